"""A dev server for the dashboard over a data dir, with the stand-in routes: ``python tests/e2e/serve_standins.py DATA PORT``."""

import sys
from pathlib import Path

import uvicorn

sys.path.insert(0, str(Path(__file__).parent))
from pending_routes import add_missing_routes  # noqa: E402

from topoalign.api.app import create_app  # noqa: E402
from topoalign.api.settings import Settings  # noqa: E402

app = create_app(Settings(data=Path(sys.argv[1]), warm_umap=False))
print("stand-ins:", add_missing_routes(app), flush=True)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
