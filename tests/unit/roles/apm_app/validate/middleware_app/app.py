"""A Flask app that instruments itself: the role must refuse it (it runs apps under ddtrace-run)."""

from ddtrace import tracer
from ddtrace.contrib.flask import TraceMiddleware
from flask import Flask

app = Flask(__name__)
traced_app = TraceMiddleware(app, tracer, service="my-flask-app", distributed_tracing=False)
