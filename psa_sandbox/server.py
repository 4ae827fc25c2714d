"""Serving the sandbox: a threaded werkzeug server speaking HTTP/1.1 on loopback.

werkzeug's development server closes every connection after its response (``Connection: close``; it cannot
drain a request body before the next request line), so each request is a new TCP connection. The real PSAs
keep connections open: the bench's CPU per request, on both sides, is therefore higher than against them."""
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import create_app
from .state import Sandbox


class QuietHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    verbose = False

    def log_request(self, code="-", size="-"):
        if self.verbose:
            super().log_request(code, size)


class VerboseHandler(QuietHandler):
    verbose = True


class SandboxServer:
    """Run the sandbox in a background thread (tests, benchmarks, the demo's embedded default)."""

    def __init__(self, seed=None, settings=None, host="127.0.0.1", port=0, verbose=False):
        self.sandbox = Sandbox(settings, seed)
        self.app = create_app(self.sandbox)
        self.server = make_server(host, port, self.app, threaded=True,
                                  request_handler=VerboseHandler if verbose else QuietHandler)
        self.server.daemon_threads = True
        self.thread = None

    @property
    def port(self):
        return self.server.server_port

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, name="psa-sandbox", daemon=True)
        self.thread.start()
        return self

    def serve_forever(self):
        self.server.serve_forever()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
