"""The crawl at run time: middlewares, pipelines, extensions, monitors, resume, exit status."""
