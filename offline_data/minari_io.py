"""Atomic Minari dataset writes and the metadata rlsuite adds to them.

Minari 0.5.4 writes a dataset in place (``<root>/<id>/data``), so a writer
killed half-way leaves a directory that :func:`minari.load_dataset` finds but
cannot read. :func:`write_dataset` instead builds the whole dataset in a
hidden temporary directory of the same datasets root (hidden directories are
skipped by ``minari.list_local_datasets``) and moves it into place with one
``os.rename``: a reader sees either no dataset or a complete one. Leftovers
of killed writers stay hidden there and are removed after a day.

rlsuite keys in the dataset metadata (``metadata.json``, plain JSON, so a
process that imports only ``minari`` reads them through
``dataset.storage.metadata``):

``rlsuite_policy_key``
    info key holding the per-step policy index (``"policy_id"`` by default).
``rlsuite_policy_names``
    policy names; index ``i`` of the info array refers to ``names[i]``.
``rlsuite_*``
    any extra metadata passed to :func:`rlsuite.offline_data.collect`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
import uuid
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym

__all__ = [
    "TMP_DIR_NAME",
    "check_new_dataset",
    "datasets_root",
    "policy_names",
    "recordable_spec",
    "require_minari",
    "write_dataset",
]

#: hidden directory of the datasets root where datasets are built before the rename
TMP_DIR_NAME = ".rlsuite-tmp"

#: keys ``gym.make_vec`` adds to a spec's kwargs; ``gym.make`` of the single env rejects them
VECTOR_SPEC_KEYS = ("num_envs", "vectorization_mode", "vector_kwargs", "wrappers")


def require_minari() -> Any:
    """Import minari or raise an ``ImportError`` naming the extra to install."""
    try:
        import minari
    except ImportError as err:  # pragma: no cover - depends on the install
        raise ImportError(
            "rlsuite.offline_data needs minari: pip install 'rlsuite[offline]'"
        ) from err
    return minari


def datasets_root() -> Path:
    """The Minari datasets root (``MINARI_DATASETS_PATH`` or ``~/.minari/datasets``)."""
    require_minari()
    from minari.storage.datasets_root_dir import get_dataset_path

    return Path(get_dataset_path())


def _check_dataset_id(dataset_id: str) -> None:
    from minari.dataset.minari_dataset import parse_dataset_id

    if not isinstance(dataset_id, str) or not dataset_id:
        raise ValueError(f"dataset_id={dataset_id!r} must be a non-empty string")
    try:
        parse_dataset_id(dataset_id)
    except Exception as err:
        raise ValueError(
            f"dataset_id={dataset_id!r} is not a Minari id '(namespace/)(env_name/)name-v<version>'"
        ) from err
    if dataset_id.startswith(("/", ".")) or ".." in dataset_id.split("/"):
        raise ValueError(f"dataset_id={dataset_id!r} must be a relative id without '..'")


def check_new_dataset(dataset_id: str, overwrite: bool = False) -> Path:
    """Validate ``dataset_id``; raise unless it is new or ``overwrite``; return its path.

    Call it before spending time on collection, so a bad or taken id fails fast.
    """
    _check_dataset_id(dataset_id)
    final_path = datasets_root() / dataset_id
    if final_path.exists() and not overwrite:
        raise ValueError(
            f"dataset_id={dataset_id!r} already exists at {final_path}; "
            "pass overwrite=True to replace it"
        )
    return final_path


def _ensure_namespace(dataset_id: str) -> None:
    from minari.dataset.minari_dataset import parse_dataset_id
    from minari.namespace import create_namespace, list_local_namespaces

    namespace = parse_dataset_id(dataset_id)[0]
    if namespace is None or namespace in list_local_namespaces():
        return
    try:
        create_namespace(namespace)
    except ValueError:  # another writer created it between the check and the call
        pass


def write_dataset(
    dataset_id: str,
    buffers: Sequence[Any],
    *,
    env_spec: gym.envs.registration.EnvSpec | None,
    observation_space: gym.Space,
    action_space: gym.Space,
    ref_min_score: float | None = None,
    ref_max_score: float | None = None,
    description: str | None = None,
    algorithm_name: str = "rlsuite",
    extra_metadata: dict[str, Any] | None = None,
    overwrite: bool = False,
    data_format: str = "hdf5",
) -> Any:
    """Write ``buffers`` (Minari ``EpisodeBuffer`` s) as dataset ``dataset_id`` atomically.

    Parameters
    ----------
    dataset_id : str
        Minari id, e.g. ``"rlsuite/cartpole/mixed-v0"``.
    buffers : sequence of minari.data_collector.EpisodeBuffer
        Episodes, in order.
    env_spec : EnvSpec or None
        Spec recorded so ``dataset.recover_environment()`` works, through
        :func:`recordable_spec` (single-env kwargs, string entry point, JSON kwargs).
    observation_space, action_space : gymnasium.Space
        Spaces of the stored data.
    ref_min_score, ref_max_score : float or None
        Stored (both or neither) so ``minari.get_normalized_score`` works.
    description, algorithm_name : str
        Minari metadata.
    extra_metadata : dict or None
        JSON-serialisable keys added to ``metadata.json`` (prefix them ``rlsuite_``).
    overwrite : bool
        Replace an existing dataset of the same id. Without it an existing id
        raises ``ValueError``.
    data_format : str
        ``"hdf5"`` (default) or ``"arrow"``.

    Returns
    -------
    minari.MinariDataset
        The dataset, opened from its final location.
    """
    require_minari()
    from minari import MinariDataset
    from minari.dataset.minari_storage import MinariStorage

    final_path = check_new_dataset(dataset_id, overwrite)
    if (ref_min_score is None) != (ref_max_score is None):
        raise ValueError(
            f"ref_min_score={ref_min_score!r} and ref_max_score={ref_max_score!r} "
            "must both be given or both be None"
        )
    root = datasets_root()
    tmp_root = root / TMP_DIR_NAME
    tmp_root.mkdir(parents=True, exist_ok=True)
    _remove_stale(tmp_root)
    tmp_path = tmp_root / uuid.uuid4().hex
    try:
        tmp_path.mkdir()
        storage = MinariStorage.new(
            tmp_path / "data",
            observation_space=observation_space,
            action_space=action_space,
            env_spec=recordable_spec(env_spec),
            data_format=data_format,
        )
        storage.update_metadata(
            _minari_metadata(dataset_id, ref_min_score, ref_max_score, description, algorithm_name)
        )
        if extra_metadata:
            json.dumps(extra_metadata)  # fail before writing data, not after
            storage.update_metadata(dict(extra_metadata))
        storage.update_episodes(buffers)
        _ensure_namespace(dataset_id)
        final_path.parent.mkdir(parents=True, exist_ok=True)
        _move_into_place(tmp_path, final_path, tmp_root, overwrite)
    finally:
        if tmp_path.exists():
            shutil.rmtree(tmp_path, ignore_errors=True)
    return MinariDataset(final_path / "data")


def recordable_spec(spec: Any) -> gym.envs.registration.EnvSpec | None:
    """The single-env spec to store, so ``dataset.recover_environment()`` works anywhere.

    A vector env's spec (from ``gym.make_vec``) carries ``num_envs`` and the
    vectorization mode in its kwargs, which ``gym.make`` of the single env
    rejects; they are dropped. A spec Minari cannot store (a callable entry
    point, or kwargs that are not JSON, such as a ``NoiseModel`` instance:
    pass its name instead) is replaced by ``None`` with a warning, and the
    dataset then has no env to recover.
    """
    if spec is None:
        return None
    if not isinstance(spec.entry_point, str):
        warnings.warn(
            f"env spec {spec.id!r} has a callable entry point; the dataset records no env spec",
            stacklevel=3,
        )
        return None
    kwargs = {k: v for k, v in spec.kwargs.items() if k not in VECTOR_SPEC_KEYS}
    single = dataclasses.replace(spec, kwargs=kwargs)
    try:
        # to_json turns dataclasses (e.g. a NoiseModel) into plain dicts that the env then
        # rejects, so only a spec that survives the round trip unchanged is recordable.
        stored = gym.envs.registration.EnvSpec.from_json(single.to_json()).kwargs
        round_trips = bool(stored == kwargs)
    except (TypeError, ValueError):
        round_trips = False
    if not round_trips:
        warnings.warn(
            f"env spec {spec.id!r} has kwargs that are not JSON ({kwargs!r}); the dataset "
            "records no env spec, so recover_environment() will fail (pass noise by name)",
            stacklevel=3,
        )
        return None
    return single


def _remove_stale(tmp_root: Path, max_age_s: float = 86_400.0) -> None:
    """Delete leftovers of killed writers (older than a day, so never a live write)."""
    now = time.time()
    for entry in tmp_root.iterdir():
        try:
            if now - entry.stat().st_mtime > max_age_s:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:  # removed by another writer meanwhile
            pass


def _minari_metadata(
    dataset_id: str,
    ref_min_score: float | None,
    ref_max_score: float | None,
    description: str | None,
    algorithm_name: str,
) -> dict[str, Any]:
    from minari import __version__ as minari_version

    metadata: dict[str, Any] = {
        "dataset_id": dataset_id,
        "minari_version": minari_version,
        "algorithm_name": algorithm_name,
        "author": {"rlsuite"},
        "code_permalink": "https://github.com/rlsuite/rlsuite",
    }
    if description is not None:
        metadata["description"] = description
    if ref_min_score is not None:
        metadata["ref_min_score"] = float(ref_min_score)
        metadata["ref_max_score"] = float(ref_max_score)  # type: ignore[arg-type]
    return metadata


def _move_into_place(tmp_path: Path, final_path: Path, tmp_root: Path, overwrite: bool) -> None:
    """Rename the finished dataset into place; with ``overwrite`` swap out the old one."""
    if overwrite and final_path.exists():
        trash = tmp_root / f"old-{uuid.uuid4().hex}"
        os.rename(final_path, trash)
        try:
            os.rename(tmp_path, final_path)
        finally:
            shutil.rmtree(trash, ignore_errors=True)
        return
    try:
        os.rename(tmp_path, final_path)
    except OSError as err:  # a concurrent writer won the race
        raise ValueError(
            f"dataset at {final_path} appeared while writing; pass overwrite=True to replace it"
        ) from err


def policy_names(dataset: Any) -> list[str]:
    """Names of the policies of a dataset made by :func:`rlsuite.offline_data.collect`.

    ``policy_names(ds)[i]`` is the policy whose episodes store ``i`` in
    ``episode.infos[policy_key(ds)]``.
    """
    names = dataset.storage.metadata.get("rlsuite_policy_names")
    if names is None:
        raise ValueError(f"dataset {dataset.spec.dataset_id!r} has no rlsuite policy names")
    return list(names)


def policy_key(dataset: Any) -> str:
    """The info key that holds each step's policy index (``"policy_id"`` by default)."""
    return str(dataset.storage.metadata.get("rlsuite_policy_key", "policy_id"))
