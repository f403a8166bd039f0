"""`python -m stacklint`."""
from stacklint.cli import main

raise SystemExit(main())
