"""python -m crawler.cli: the seedcrawl command without its installed script."""

from . import main

main()
