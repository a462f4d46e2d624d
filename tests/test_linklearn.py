"""A site's judged pages rank its other links (issue 14: learn which anchors and URL shapes lead on topic)."""

from crawler.linklearn import SiteLearner, url_shape


def test_pages_of_one_section_share_a_shape() -> None:
    assert url_shape("http://127.0.0.1/world/2020-07/14/uk-bans-huawei-5g.htm") == "127.0.0.1/world/#-#/#/*"
    assert url_shape("http://127.0.0.1/world/2019-02/18/other.htm") == "127.0.0.1/world/#-#/#/*"
    assert url_shape("http://127.0.0.1/sport/2019/11/19/browns.html") == "127.0.0.1/sport/#/#/#/*"


def test_shapes_and_anchor_words_that_led_on_topic_rank_higher_on_that_site_only() -> None:
    learner = SiteLearner()
    assert learner.adjustment("http://127.0.0.1/world/2021/new.htm", "China ban") == 0  # nothing learned yet
    for i in range(4):
        learner.record(f"http://127.0.0.1/world/2020/{i}.htm", f"Huawei ban story {i}", True)
        learner.record(f"http://127.0.0.1/sport/2020/{i}.htm", f"China trade story {i}", False)
    world = learner.adjustment("http://127.0.0.1/world/2021/new.htm", "A ban again")
    sport = learner.adjustment("http://127.0.0.1/sport/2021/new.htm", "China trade row")
    unknown = learner.adjustment("http://127.0.0.1/opinion/x.htm", "Weather")
    assert world > 0 > sport and unknown == 0
    assert learner.adjustment("http://127.0.0.2/sport/2021/new.htm", "China trade row") == 0  # another site


def test_a_few_pages_move_little() -> None:
    learner = SiteLearner()
    for i in range(3):
        learner.record(f"http://127.0.0.1/a/{i}", "story", True)
    learner.record("http://127.0.0.1/b/1", "story", False)
    assert abs(learner.adjustment("http://127.0.0.1/b/2", "other")) <= 10  # one page of /b/: no shape evidence yet
