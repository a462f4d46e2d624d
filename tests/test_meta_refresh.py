"""Meta-refresh redirects are still followed, without decoding every page."""

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.middlewares import HeadMetaRefreshMiddleware

REFRESH = '<html><head><meta http-equiv="{word}" content="0; url=/moved"></head><body>{body}</body></html>'


def middleware() -> HeadMetaRefreshMiddleware:
    return build_from_crawler(HeadMetaRefreshMiddleware, get_crawler(settings_dict={"METAREFRESH_ENABLED": True}))


@pytest.mark.parametrize("word, encoding", [("refresh", "utf-8"), ("REFRESH", "utf-8"), ("Refresh", "utf-16-le")])
def test_a_meta_refresh_is_followed(word: str, encoding: str) -> None:
    request = Request("http://127.0.0.1/old")
    body = REFRESH.format(word=word, body="é" * 5000).encode(encoding)
    response = HtmlResponse(request.url, body=body, encoding=encoding, request=request)
    redirected = middleware().process_response(request, response)
    assert isinstance(redirected, Request) and redirected.url == "http://127.0.0.1/moved"


def test_a_page_without_one_goes_on_undecoded() -> None:
    request = Request("http://127.0.0.1/story")
    body = ("<html><body>" + "<p>Huawei équipement</p>" * 20_000 + "</body></html>").encode()
    response = HtmlResponse(request.url, body=body, encoding="utf-8", request=request)
    assert middleware().process_response(request, response) is response
    assert response._cached_ubody is None  # Scrapy's own check decodes all 480 KB for it
