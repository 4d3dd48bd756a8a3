"""evaluate_ranking: the protocol on a small dump made here, and its output for scripts."""

import json
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command

from forum import ranking_evaluation

METHODS = {"random", "first", "score", "wilson", "reputation", "wendao"}


def _write_dump(folder):
    """Twelve questions, each with three answers and no vote before the acceptance day. The
    accepted answer is always the last posted, by user 7, whose answers get five upvotes the day
    after each acceptance: votes a method must not see for that question, authority it may use
    for the next ones."""
    start = date(2021, 5, 1)
    posts, votes = [], []
    post_id, vote_id = 0, 0

    def vote(pid, kind, day):
        nonlocal vote_id
        vote_id += 1
        votes.append(f'<row Id="{vote_id}" PostId="{pid}" VoteTypeId="{kind}" CreationDate="{day}T00:00:00.000" />')

    for q in range(12):
        day = start + timedelta(days=3 * q)
        post_id += 1
        qid = post_id
        answers = []
        for k, author in enumerate((20 + q, 40 + q, 7)):
            post_id += 1
            answers.append((post_id, author))
            posts.append(
                f'<row Id="{post_id}" PostTypeId="2" ParentId="{qid}" CreationDate="{day}T0{k + 1}:00:00.000" '
                f'OwnerUserId="{author}" Score="0" Body="" />'
            )
        accepted = answers[2][0]
        posts.insert(
            0,
            f'<row Id="{qid}" PostTypeId="1" AcceptedAnswerId="{accepted}" CreationDate="{day}T00:00:00.000" '
            f'OwnerUserId="{100 + q}" Title="Q{q}" Score="1" Body="" />',
        )
        vote(accepted, 1, day + timedelta(days=1))
        for _ in range(5):
            vote(accepted, 2, day + timedelta(days=2))
    (folder / "Posts.xml").write_text("<posts>" + "".join(posts) + "</posts>", encoding="utf-8")
    (folder / "Votes.xml").write_text("<votes>" + "".join(votes) + "</votes>", encoding="utf-8")
    # Users.xml knows the future (reputation at dump time): the evaluation must never read it.
    (folder / "Users.xml").write_text("this is not even XML", encoding="utf-8")
    return folder


def test_json_output_has_every_method_for_both_halves(tmp_path, capsys):
    _write_dump(tmp_path)
    call_command("evaluate_ranking", str(tmp_path), "--format", "json", "--no-tune")
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"earlier", "later", "questions"}
    assert set(result["later"]) >= METHODS and set(result["earlier"]) >= METHODS
    wendao = result["later"]["wendao"]
    assert {"p_at_1", "p_at_1_ci", "mrr", "ndcg_at_3"} <= set(wendao)
    assert wendao["p_at_1_ci"][0] <= wendao["p_at_1"] <= wendao["p_at_1_ci"][1]
    assert result["questions"]["usable"] == 12 and result["questions"]["later"] == 6


def test_only_the_past_is_used_and_earned_authority_finds_the_trusted_author(tmp_path):
    result = ranking_evaluation.evaluate(_write_dump(tmp_path), tune_grid=False)
    later = result["later"]
    # No method sees the upvotes dated after each acceptance: raw score ties and falls back to the
    # first answer, which is never the accepted one.
    assert later["score"]["p_at_1"] == later["first"]["p_at_1"] == later["wilson"]["p_at_1"] == 0.0
    # Authority recomputed from the earlier questions' events ranks user 7 first.
    assert later["wendao"]["p_at_1"] == 1.0 and later["reputation"]["p_at_1"] == 1.0
    assert later["wendao"]["p_at_1_minus_score"] == 1.0
    assert later["random"]["p_at_1"] == pytest.approx(1 / 3)


def test_a_folder_that_is_not_a_dump_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no Posts.xml"):
        call_command("evaluate_ranking", str(tmp_path))
    (tmp_path / "Posts.xml").write_text("<posts><row Id=", encoding="utf-8")
    (tmp_path / "Votes.xml").write_text("<votes></votes>", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid XML"):
        call_command("evaluate_ranking", str(tmp_path))
