"""Progress bars for management commands (tqdm on stderr, so stdout stays parseable)."""

import sys

from tqdm import tqdm


def progress_bar(total=None, desc="", unit="rows"):
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, mininterval=0.5, dynamic_ncols=True)
