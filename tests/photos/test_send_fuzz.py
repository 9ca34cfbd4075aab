"""Fuzzing the upload page: damaged images never cause a 500, and never cost a credit.

500 files derived from small valid JPEG, PNG, WebP and GIF images by bit flips, truncation, header
splices and chunk duplication (seeded, so a failure reproduces), each posted through the send page.
"""

import random

import pytest
from django.urls import reverse
from tests.factories import give_credits
from tests.photos.photo_helpers import balance_of, image_bytes, stored_files, upload

from kinframe.photos.models import Photo

SEED = 20261126
CASES = 500
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


def mutate(rng: random.Random, seeds: list[bytes]) -> bytes:
    data = bytearray(rng.choice(seeds))
    kind = rng.choice(("flip", "flip_header", "truncate", "splice", "duplicate", "zero"))
    if kind == "flip":
        for _ in range(rng.randint(1, 12)):
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
    elif kind == "flip_header":  # where the probe looks: dimensions, chunk sizes, markers
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(min(len(data), 64))
            data[i] = rng.randrange(256)
    elif kind == "truncate":
        del data[rng.randrange(1, len(data)) :]
    elif kind == "splice":  # one image's header on another's body
        other = rng.choice(seeds)
        cut = rng.randrange(4, min(len(data), 200))
        data = data[:cut] + other[rng.randrange(len(other)) :]
    elif kind == "duplicate":
        start = rng.randrange(len(data))
        end = min(len(data), start + rng.randint(1, 256))
        data[start:start] = data[start:end] * rng.randint(1, 4)
    else:
        start = rng.randrange(len(data))
        data[start : start + rng.randint(1, 512)] = bytes(min(512, len(data) - start))
    return bytes(data)


@pytest.mark.slow
@pytest.mark.django_db
def test_mutated_images_never_500_and_never_cost_credits(
    client, sender, connection_, private_storage, django_capture_on_commit_callbacks
):
    rng = random.Random(SEED)
    seeds = [image_bytes(fmt, size) for fmt in FORMATS for size in ((64, 48), (40, 70))]
    give_credits(sender, CASES * 100)
    client.force_login(sender)
    url = reverse("sender:photo_send", kwargs={"connection_id": connection_.pk})
    outcomes = {"refused": 0, "pending_review": 0, "failed": 0}

    for case in range(CASES):
        data = mutate(rng, seeds)
        balance, photos = balance_of(sender), Photo.objects.count()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"photos": [upload(f"case{case}.jpg", data)]})
        where = f"case {case} ({len(data)} bytes)"
        if response.status_code == 409:  # a flag warned before paying: nothing kept or charged
            assert balance_of(sender) == balance, where
            assert Photo.objects.count() == photos, where
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(
                    url, {"photos": [upload(f"case{case}.jpg", data)], "confirm": "1"}
                )
        if response.status_code == 400:
            assert f"case{case}.jpg" in response.content.decode(), where
            assert balance_of(sender) == balance, where
            assert Photo.objects.count() == photos, where
            outcomes["refused"] += 1
            continue
        assert response.status_code == 302, where
        photo = Photo.objects.latest("pk")
        assert photo.original_name == f"case{case}.jpg", where
        assert not photo.original, where  # processing ended either way
        if photo.status == Photo.Status.FAILED:
            assert photo.failure_message, where
            assert balance_of(sender) == balance, where  # refunded
        else:
            assert photo.status == Photo.Status.PENDING_REVIEW, where
            assert balance_of(sender) == balance - 100, where
        outcomes[photo.status] += 1

    # Every outcome happened, and storage holds exactly the accepted photos' two files each.
    assert all(outcomes.values()), outcomes
    assert len(stored_files(private_storage)) == 2 * outcomes["pending_review"]
    assert balance_of(sender) == CASES * 100 - 100 * outcomes["pending_review"]
