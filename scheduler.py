"""Run the seedcrawl crawl every night (APScheduler). See crawler/nightly.py.

python scheduler.py            # blocking scheduler, cron time from seeds/sources.toml
python scheduler.py --once     # one crawl now; exits with its status
"""

import sys

from crawler.nightly import main

if __name__ == "__main__":
    sys.exit(main())
