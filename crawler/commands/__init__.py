"""Scrapy commands of the seedcrawl project (COMMANDS_MODULE)."""
