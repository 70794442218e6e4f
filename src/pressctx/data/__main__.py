"""``python -m pressctx.data``: corpus statistics."""
import sys

from . import main

sys.exit(main())
