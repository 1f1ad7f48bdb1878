"""Entry point of the PyInstaller bundle: the same `accord` launcher the console script runs."""

import multiprocessing

from app.launcher import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen app must not re-run main() in worker processes
    raise SystemExit(main())
