"""Project commands (``COMMANDS_MODULE``): ``scrapy crawl`` with a meaningful exit status."""
