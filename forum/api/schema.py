"""drf-spectacular glue: every operation documents the error responses the API can give."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from .exceptions import ErrorSerializer

ERROR_REASONS = {
    400: "The input or the query parameters are not valid, or the action is refused by a rule about the data "
    "(for example a second vote the same way).",
    401: "No valid credentials: sign in, or send a personal token as “Authorization: Bearer wd_…”.",
    403: "You may not do this (the message says why), or a session request came without its CSRF token.",
    404: "There is no such object, or the cursor is not valid.",
    405: "This method is not allowed here.",
    406: "The API only answers in JSON.",
    415: "Send the body as application/json.",
    429: "Too many requests; wait the number of seconds in Retry-After.",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, reason in ERROR_REASONS.items():
            if code == 415 and self.method not in UNSAFE:
                continue
            if str(code) not in responses:
                response = self._get_response_for_code(ErrorSerializer, str(code), direction=direction)
                response["description"] = reason
                responses[str(code)] = response
        return responses
