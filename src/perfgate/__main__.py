"""``python -m perfgate``."""

from __future__ import annotations

from perfgate._cli import main

raise SystemExit(main())
