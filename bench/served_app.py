"""The portal as the certificate bench serves it with gunicorn (`bench.certificates`): the bench
configuration (CSRF off, no host name), the bench's disk copies of the PDFs, and the static folder
pointed at a directory holding one file the size of the ZIP, which Flask sends with the server's
file wrapper (sendfile): the disk-copy speed of this stack."""
import os

from bench import databases

app = databases.bench_app(os.environ["BENCH_DATABASE_URL"], SERVER_NAME=None,
                          CERTIFICATE_FILES=os.environ["BENCH_CERTIFICATE_FILES"])
app.static_folder = os.environ["BENCH_STATIC"]
