"""The project's spiders (``scrapy list``)."""
