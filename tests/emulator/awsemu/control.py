"""The control API under /_emulator/: plain JSON over the same server, no auth."""

import json

from .services.base import json_response

PREFIX = "/_emulator/"


def _body(request):
    if not request.body.strip():
        return None
    return json.loads(request.body)


def handle(state, request):
    route = (request.method, request.path[len(PREFIX):].rstrip("/"))
    try:
        body = _body(request)
        if route == ("GET", "health"):
            return json_response(200, {"ok": True})
        if route == ("GET", "calls"):
            return json_response(200, state.calls.snapshot())
        if route == ("POST", "reset"):
            state.calls.reset()
            state.faults.clear()
            state.config.reset()
            if body and body.get("credentials"):
                state.credentials.drop_issued()
            return json_response(200, {"ok": True})
        if route == ("GET", "faults"):
            return json_response(200, {"faults": state.faults.pending()})
        if route == ("POST", "faults"):
            specs = body.get("faults") if isinstance(body, dict) else body
            if not isinstance(specs, list):
                raise ValueError("POST a JSON list of faults (or {\"faults\": [...]})")
            return json_response(200, {"added": state.faults.add(specs)})
        if route == ("DELETE", "faults"):
            state.faults.clear()
            return json_response(200, {"ok": True})
        if route == ("GET", "config"):
            return json_response(200, state.config.snapshot())
        if route == ("POST", "config"):
            if not isinstance(body, dict):
                raise ValueError("POST a JSON object of settings")
            state.config.update(body)
            return json_response(200, state.config.snapshot())
        if route == ("GET", "secrets"):
            return json_response(200, {"secrets": state.secrets.snapshot()})
        if route == ("GET", "credentials"):
            return json_response(200, {"credentials": state.credentials.public()})
        if route == ("POST", "credentials"):
            entries = body.get("credentials") if isinstance(body, dict) else body
            if not isinstance(entries, list) or not all(
                    isinstance(e, dict) and {"accessKeyId", "secretAccessKey", "account"} <= set(e) for e in entries):
                raise ValueError("POST a list of {accessKeyId, secretAccessKey, account[, sessionToken]}")
            state.credentials.add_static(entries)
            return json_response(200, {"added": len(entries)})
    except (ValueError, KeyError, TypeError) as error:
        return json_response(400, {"error": str(error)})
    return json_response(404, {"error": f"no control endpoint {request.method} {request.path}"})
