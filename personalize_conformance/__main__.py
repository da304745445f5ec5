"""``python -m personalize_conformance``: the runner CLI."""

from personalize_conformance.run.cli import main

raise SystemExit(main())
