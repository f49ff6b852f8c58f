"""SnapStart outside Lambda: without the runtime's ``snapshot_restore_py`` module, registering an after-restore
hook does nothing."""

from __future__ import annotations


def test_without_the_runtime_module_registering_does_nothing() -> None:
    from bot import snapstart

    assert snapstart.on_restore(snapstart.reseed) is False
