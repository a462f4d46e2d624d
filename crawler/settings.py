"""Scrapy settings for seedcrawl: polite by default.

Limits that a user tunes per corpus (page budget, depth, per-site
concurrency, timeout, body size) come from seeds/sources.toml and are
applied by the spider; the values here are the defaults behind them.
"""

BOT_NAME = "seedcrawl"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Say who we are and how to reach us: site owners can then ask, not block.
USER_AGENT = "seedcrawl/0.1 (research corpus crawler; +https://github.com/seedcrawl/seedcrawl)"
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
# No way into a running crawl: Scrapy's telnet console and its remote-control
# HTTP server (on by default since 2.19: it runs any Python code sent with
# the token it writes under ~/.local/state/scrapy/job_files/, and a killed
# crawl leaves that file behind) stay off for an unattended nightly crawl.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# Politeness: AutoThrottle adapts the delay to each site's latency; a hard
# per-site cap keeps a fast site from being hammered.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2

DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 5_000_000
DOWNLOAD_WARNSIZE = 2_000_000
REDIRECT_MAX_TIMES = 5
RETRY_TIMES = 2
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]

# Our own depth and budget rules decide what to follow (see the spider).
DEPTH_LIMIT = 0
DEPTH_STATS_VERBOSE = False

# The run's owner: store, run row, model, workers (crawler/crawlrun.py).
EXTENSIONS = {
    "crawler.crawlrun.CrawlRun": 0,
    "crawler.progress.CrawlProgress": 10,
    # A robots.txt a network failure kept out: one line, not Scrapy's traceback.
    "crawler.network_log.QuietNetworkFailures": 20,
}
# A progress line every this many seconds (pages of the budget, candidates so
# far, sites at their budget); 0: none. It replaces Scrapy's LogStats line.
SEEDCRAWL_PROGRESS_INTERVAL = 15.0
# The raw archive (storage/warc/, crawler/archive.py) starts a new file past this size.
SEEDCRAWL_WARC_MAX_BYTES = 1_000_000_000
LOGSTATS_INTERVAL = 0
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
# A page yields at most one item, and the pipeline writes to SQLite in turn;
# Scrapy starts this many tasks for every response, so its default of 100
# cost about 3 ms of CPU a page for nothing (bench/throughput.py profile).
CONCURRENT_ITEMS = 8
# Fetched pages wait for a worker process, not for the network, when the
# crawl is CPU-bound: fetching far ahead of the workers only holds memory
# (each page twice, bytes and decoded text). Scrapy's default is 5 MB.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000
DOWNLOADER_MIDDLEWARES = {
    # First of all: no request to a private or local address (robots.txt
    # requests pass through it too).
    "crawler.guard.AddressGuardMiddleware": 50,
    # After robots.txt (100): a page robots forbids does not spend the budget.
    "crawler.middlewares.PageBudgetMiddleware": 120,
    # After RetryMiddleware (550) on the way in: sees a 429/503 before its retry.
    "crawler.middlewares.PolitenessMiddleware": 560,
    # Scrapy's meta refresh, without decoding every page to look for it.
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.HeadMetaRefreshMiddleware": 580,
}
# A Retry-After longer than this (seconds) is capped, not obeyed to the letter.
SEEDCRAWL_MAX_RETRY_AFTER = 300.0
# Host names are checked on the address they resolve to.
TWISTED_DNS_RESOLVER = "crawler.guard.GuardedResolver"
# A host name that does not resolve fails again without a lookup for this
# many seconds (its robots.txt, its other pages, their retries); 0: every time.
SEEDCRAWL_DNS_FAILURE_TTL = 300.0
# Hosts let through the address guard (sources.toml network.allow_hosts adds to it).
SEEDCRAWL_ALLOW_HOSTS: list[str] = []
# Only the web: no file://, data:, s3:// or ftp:// however a link is written.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "s3": None, "ftp": None}
# Every drop is counted in stats with its reason; one log line each at INFO
# would drown the log on a real crawl.
DEFAULT_DROPITEM_LOG_LEVEL = "DEBUG"

LOG_LEVEL = "INFO"

# seedcrawl's own settings (overridden by -a sources=... / -a storage=...).
SEEDCRAWL_SOURCES = "seeds/sources.toml"
SEEDCRAWL_STORAGE = "storage"
# Order links by relevance (their page's score, anchor and URL words). Off,
# links keep Scrapy's default order; bench/harvest.py compares the two.
SEEDCRAWL_BEST_FIRST = True
# Judge non-seed pages on a cheap preview first and extract only those that
# may be on topic (crawler/analysis.py). Off, every page is extracted and
# stored, which costs about ten times the CPU on a mostly off-topic site.
SEEDCRAWL_FIRST_PASS = True
# Worker processes for extraction and scoring (crawler/analysis.py); None:
# one per CPU core, 0: in the crawl's own process.
SEEDCRAWL_WORKERS = None
# Analysis workers that die (the kernel's OOM killer) are replaced this many
# times per crawl; one more death stops the crawl as analysis_failed.
SEEDCRAWL_WORKER_RESTARTS = 3
# Content types read as articles; anything else is cut off when its headers
# arrive (PDF, images, video, archives...). Prefixes of the MIME type.
SEEDCRAWL_CONTENT_TYPES = ["text/html", "application/xhtml+xml"]
# The news-search endpoint (crawler/search.py); tests point it at 127.0.0.1.
SEEDCRAWL_GDELT_URL = "https://api.gdeltproject.org/api/v2/doc/doc"
# GDELT asks for at most one request every 5 seconds: its requests share one slot.
DOWNLOAD_SLOTS = {"gdelt": {"concurrency": 1, "delay": 5.0, "jitter": 0}}
COMMANDS_MODULE = "crawler.commands"
