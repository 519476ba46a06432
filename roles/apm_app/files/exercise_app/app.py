"""The Flask application given by Datadog's technical exercise (step 6, "Collecting APM data").

Routes and bodies are the exercise's. Differences, all deliberate:

* No ``ddtrace`` import and no middleware: the service runs under ``ddtrace-run``, which
  instruments Flask by itself. The exercise warns that using both breaks tracing.
* No ``app.run()``: gunicorn serves ``app:app``; Flask's development server is not for services.
* No logging set-up here: gunicorn's config (written by the role) sends every record as one JSON
  line to the log file the Agent collects, with the ``dd.*`` correlation fields that
  ``DD_LOGS_INJECTION`` adds. One line per request is logged inside the request (so inside its
  span), which carries the trace id.
"""

import logging

from flask import Flask, Response, request

log = logging.getLogger("exercise_app")

app = Flask(__name__)


@app.route("/")
def api_entry() -> str:
    return "Entrypoint to the Application"


@app.route("/api/apm")
def apm_endpoint() -> str:
    return "Getting APM Started"


@app.route("/api/trace")
def trace_endpoint() -> str:
    return "Posting Traces"


@app.after_request
def log_request(response: Response) -> Response:
    log.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "http.method": request.method,
            "http.url_details.path": request.path,
            "http.status_code": response.status_code,
        },
    )
    return response
