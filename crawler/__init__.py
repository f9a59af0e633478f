"""jobcrawl's Scrapy project package: settings, the item, base spiders, helpers, commands."""
