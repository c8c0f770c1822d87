"""The emulator's request dispatch: control API, services, faults, call log."""

import logging
import time

from . import control
from .common import ApiError
from .faults import FaultQueue
from .services.base import Call, Response, json_response
from .services.credential_endpoints import (ContainerCredentialsService, InstanceMetadataService,
                                            SsoPortalService)
from .services.ecr import EcrPublicService, EcrService
from .services.rolesanywhere import RolesAnywhereService
from .services.sts import StsService
from .sigv4_verify import AuthError, Authorization
from .state import CallLog, Config, CredentialStore, SecretLog

log = logging.getLogger("emulator")


class EmulatorState:
    """Everything the services and the control API share."""

    def __init__(self, static_credentials, trust_anchors, jwt_public_keys, web_identity_issuer):
        self.secrets = SecretLog()
        self.credentials = CredentialStore(self.secrets)
        self.credentials.add_static(static_credentials)
        self.config = Config(web_identity_issuer=web_identity_issuer)
        self.calls = CallLog()
        self.faults = FaultQueue()
        self.trust_anchors = trust_anchors
        self.jwt_public_keys = jwt_public_keys


class App:
    def __init__(self, state):
        self.state = state
        self.services = [RolesAnywhereService(state), EcrService(state), EcrPublicService(state), StsService(state)]

    def dispatch(self, request):
        if request.path.startswith(control.PREFIX):
            return control.handle(self.state, request)
        for service in self.services:
            action = service.action(request)
            if action:
                return self._call(service, action, request)
        return json_response(404, {"__type": "UnknownOperationException",
                                   "message": f"No emulated AWS API at {request.method} {request.path}"})

    def _call(self, service, action, request):
        started = time.monotonic()
        call = Call(action)
        _peek_credential(call, request)
        fault = self.state.faults.take(action)
        if fault:
            call.fault = fault.kind
            call.faulted = fault.breaks_answer
            if fault.kind == "delay":
                time.sleep(fault.seconds)
        if fault and fault.replaces_answer:
            response = self._fault_answer(service, fault, action)
        else:
            try:
                response = service.handle(request, call)
            except ApiError as error:
                response = service.error_response(error)
                call.error = error.code
                if error.detail:
                    log.info("%s rejected: %s: %s", action, error.code, error.detail.replace("\n", "\\n"))
            except Exception:  # an emulator bug: say so loudly, but still answer
                log.exception("%s: the emulator failed", action)
                response = service.error_response(ApiError(500, "InternalFailure", "emulator error, see its log"))
                call.error = "EmulatorBug"
            if fault and fault.kind == "truncated":
                response.abort = "truncate"
            elif fault and fault.kind == "wrong_content_type":
                response.content_type = fault.content_type
        call.status = 0 if response.abort == "reset" else response.status
        call.seconds = round(time.monotonic() - started, 6)
        self.state.calls.record(call.record())
        log.info("%s status=%s error=%s key=%s account=%s region=%s fault=%s", action, call.status, call.error,
                 call.access_key_id, call.account, call.region, call.fault)
        return response

    @staticmethod
    def _fault_answer(service, fault, action):
        if fault.kind == "reset":
            response = Response(0)
            response.abort = "reset"
            return response
        if fault.kind == "throttle":
            return service.error_response(service.throttle)
        if fault.kind == "status":
            code, message = service.default_error(fault.code)
            return service.error_response(ApiError(fault.code, fault.error_type or code, fault.message or message))
        if fault.kind == "malformed_json":
            return service.malformed_response(action)
        if fault.kind == "ok_with_error_body":
            code, message = service.default_error(403)
            response = service.error_response(ApiError(403, fault.error_type or code, fault.message or message))
            response.status = service.success_status
            return response
        if fault.kind == "raw":
            return Response(fault.code, fault.body, fault.content_type, fault.headers)
        if fault.kind == "empty_credential_set":
            return service.empty_response(action)
        raise AssertionError(f"fault kind {fault.kind} does not replace the answer")


class Listener:
    """The dispatch of a listener that serves only `services` (no control API),
    with the App's call log and faults."""

    def __init__(self, app, services):
        self.app = app
        self.services = services

    def dispatch(self, request):
        for service in self.services:
            action = service.action(request)
            if action:
                return self.app._call(service, action, request)
        return json_response(404, {"message": f"nothing here at {request.method} {request.path}"})


def credential_listeners(app):
    """{name: Listener} of the separate listeners: sso, container, imds."""
    state = app.state
    return {"sso": Listener(app, [SsoPortalService(state)]),
            "container": Listener(app, [ContainerCredentialsService(state)]),
            "imds": Listener(app, [InstanceMetadataService(state)])}


def _peek_credential(call, request):
    """Unverified key id and region from the Authorization header, for the
    call log of calls that never reach verification (faults)."""
    try:
        auth = Authorization(request.header("authorization"))
    except AuthError:
        return
    call.access_key_id = auth.credential_id
    call.region = auth.region
