"""A local HTTP server for the files of a folder: checkpoints given as URLs."""
import contextlib
import functools
import http.server
import threading


class _QuietHandler(http.server.SimpleHTTPRequestHandler):

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve_folder(folder):
    """Serve ``folder`` on 127.0.0.1; yields the base URL (``http://127.0.0.1:PORT``)."""
    server = http.server.ThreadingHTTPServer(
        ('127.0.0.1', 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f'http://127.0.0.1:{server.server_address[1]}'
    finally:
        server.shutdown()
        server.server_close()
