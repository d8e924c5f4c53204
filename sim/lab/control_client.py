"""A client of the lab's control API, behind `slpsim clock|fault|token|switches|syslog|...`."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

import httpx

DEFAULT_CONTROL_URL = "http://127.0.0.1:8080"


class ControlError(RuntimeError):
    """The lab is not there, or it refused the request; the message says which and what to do.

    The message is for a person at a shell: no HTTP status (`status` keeps it for programs).
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ControlClient:
    def __init__(self, url: str | None = None, token: str | None = None) -> None:
        self.url = (url or os.environ.get("SLPSIM_CONTROL") or DEFAULT_CONTROL_URL).rstrip("/")
        token = token or os.environ.get("SLPSIM_CONTROL_TOKEN")
        headers = {"authorization": f"Bearer {token}"} if token else {}
        # Advancing a busy lab by months can take a while: no read timeout.
        self._http = httpx.Client(
            base_url=self.url, headers=headers, timeout=httpx.Timeout(10, read=None)
        )

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ControlError(
                f"no lab answering at {self.url} ({exc}); is `slpsim lab` running?"
            ) from exc
        if response.status_code >= 400:
            raise self._refusal(response)
        return response.json()

    def _refusal(self, response: httpx.Response) -> ControlError:
        status = response.status_code
        if status in (401, 403):
            return ControlError(
                f"the lab at {self.url} wants its control token: set $SLPSIM_CONTROL_TOKEN "
                "to the token `slpsim lab` was started with",
                status,
            )
        try:
            answer = response.json()
            reason = answer.get("error") or answer.get("detail") or response.text
            if "incident" in answer:
                reason = f"{reason} (incident {answer['incident']}: `slpsim incidents --detail`)"
        except (ValueError, AttributeError):
            reason = response.text
        if not isinstance(reason, str):  # a validation error's list of problems
            reason = "; ".join(str(item.get("msg", item)) for item in reason)
        if status == 404 and not reason.strip():
            reason = f"nothing at {response.request.url.path}; is {self.url} a slpsim lab?"
        return ControlError(reason or f"the lab refused the request (HTTP {status})", status)

    def clock(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/sim/clock")
        return result

    def advance(self, seconds: float, *, wait: bool = True) -> dict[str, Any]:
        """Jump; with `wait` false the lab answers at once and jumps in the background (the
        answer's `jump` and `clock()` show how far it got)."""
        body: dict[str, Any] = {"seconds": seconds}
        if not wait:
            body["wait"] = False
        result: dict[str, Any] = self._call("POST", "/sim/clock/advance", json=body)
        return result

    def cancel_advance(self) -> dict[str, Any]:
        """Stop the running jump; answers the time it reached (ControlError 404: none ran)."""
        result: dict[str, Any] = self._call("DELETE", "/sim/clock/advance")
        return result

    def pause(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/sim/clock/pause")
        return result

    def resume(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/sim/clock/resume")
        return result

    def set_rate(self, rate: float) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/sim/clock/rate", json={"rate": rate})
        return result

    def switches(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/sim/switches")
        return result

    def faults(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/sim/faults")
        return result

    def add_fault(self, target: str, kind: str, params: dict[str, str]) -> int:
        result = self._call("POST", "/sim/faults", json={"target": target, "kind": kind, **params})
        return int(result["id"])

    def remove_fault(self, fault_id: int) -> None:
        self._call("DELETE", f"/sim/faults/{fault_id}")

    def clear_faults(self) -> int:
        return int(self._call("DELETE", "/sim/faults")["removed"])

    def token(self, issuer: str, virtual_account: str | None) -> str:
        body: dict[str, Any] = {"issuer": issuer}
        if virtual_account:
            body["virtual_account"] = virtual_account
        return str(self._call("POST", "/sim/tokens", json=body)["token"])

    def action(self, target: str, action: str, params: dict[str, str]) -> str | None:
        result = self._call(
            "POST", "/sim/actions", json={"target": target, "action": action, **params}
        )
        return None if result.get("result") is None else str(result["result"])

    def put_file(self, name: str, data: bytes) -> None:
        self._call("PUT", _file_path(name), content=data)

    def get_file(self, name: str) -> bytes:
        try:
            response = self._http.get(_file_path(name))
        except httpx.HTTPError as exc:
            raise ControlError(f"no lab answering at {self.url} ({exc})") from exc
        if response.status_code != 200:
            raise self._refusal(response)
        return response.content

    def syslog(self, switch: str | None = None, since: str | None = None) -> list[str]:
        params = {k: v for k, v in (("switch", switch), ("since", since)) if v}
        result: list[str] = self._call("GET", "/sim/syslog", params=params)
        return result

    def follow(
        self, after: int | None, switch: str | None = None, wait: float = 5.0
    ) -> dict[str, Any]:
        """The syslog lines after cursor `after` (None: from now), waiting up to `wait` s."""
        params: dict[str, Any] = {"wait": wait}
        if after is not None:
            params["after"] = after
        if switch:
            params["switch"] = switch
        result: dict[str, Any] = self._call("GET", "/sim/syslog/follow", params=params)
        return result

    def incidents(self, since: int = 0) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/sim/incidents", params={"since": since})[
            "incidents"
        ]
        return result


def _file_path(name: str) -> str:
    # Every character of a name is data: '?', '#', '/' and '%' must not shape the URL.
    return f"/sim/files/{quote(name, safe='')}"
