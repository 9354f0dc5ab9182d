"""A local HTTP server that answers like GitHub's REST API for issue comments and pulls.

Endpoints (as documented for REST API version 2022-11-28):
  GET   /repos/{owner}/{repo}/issues/{number}/comments?per_page=&page=  (Link: rel="next")
  POST  /repos/{owner}/{repo}/issues/{number}/comments                  -> 201
  PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}              -> 200
  GET   /repos/{owner}/{repo}/pulls/{number}
  GET   /user                       -> 200 for a user's token, 403 for an installation token
  GET   /repos/{owner}/{repo}/issues?state=&labels=&per_page=&page=  (pull requests too, as
        GitHub lists them, marked by a pull_request key; newest first)
  POST  /repos/{owner}/{repo}/issues                  -> 201 (title, body, labels)
  PATCH /repos/{owner}/{repo}/issues/{number}         -> 200 (title, body)
  GET   /repos/{owner}/{repo}/commits/{sha}           -> author.login (404 if unknown)
  GET   /repos/{owner}/{repo}/collaborators/{login}/permission -> permission (404: not one)
Requests need ``Authorization: Bearer <token>``; a read-only token gets GitHub's 403 on writes.
The server serves at most ``page_size`` comments a page whatever ``per_page`` asks, so a test
can make pagination happen with a handful of comments.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

_LIST = re.compile(r"^/repos/([^/]+)/([^/]+)/issues/(\d+)/comments$")
_ONE = re.compile(r"^/repos/([^/]+)/([^/]+)/issues/comments/(\d+)$")
_PULL = re.compile(r"^/repos/([^/]+)/([^/]+)/pulls/(\d+)$")
_ISSUES = re.compile(r"^/repos/([^/]+)/([^/]+)/issues$")
_ISSUE = re.compile(r"^/repos/([^/]+)/([^/]+)/issues/(\d+)$")
_PERMISSION = re.compile(r"^/repos/([^/]+)/([^/]+)/collaborators/([^/]+)/permission$")
_COMMIT = re.compile(r"^/repos/([^/]+)/([^/]+)/commits/([0-9a-f]{40})$")


@dataclass
class FakeGitHub:
    token: str = "ghs_test_token"  # noqa: S105 - the fake server's own token
    read_only: bool = False
    page_size: int = 2
    bot: str = "github-actions[bot]"
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # by issue
    pulls: dict[int, str] = field(default_factory=dict)  # number -> head sha
    requests: list[tuple[str, str]] = field(default_factory=list)
    next_link_host: str | None = None  # answer with a next-page link to another host
    redirect_to: str | None = None  # answer the next call with 307 to this base (path kept)
    authorizations: list[str] = field(default_factory=list)  # every Authorization header seen
    user_login: str | None = None  # a person's token (GET /user answers); None: the Actions token
    odd_answer: object = None  # with odd_path, what GET answers there instead (a shape test)
    odd_path: str | None = None
    issues: list[dict[str, Any]] = field(default_factory=list)  # and pull requests, by number
    authors: dict[str, str] = field(default_factory=dict)  # commit sha -> login
    # login -> admin, write or read (GitHub's legacy `permission`); others are no collaborators
    permissions: dict[str, str] = field(default_factory=dict)
    _next_id: int = 1000
    url: str = ""

    def add_comment(self, issue: int, body: str, login: str, kind: str = "User") -> int:
        self._next_id += 1
        self.comments.setdefault(issue, []).append(
            {
                "id": self._next_id,
                "body": body,
                "user": {"login": login, "type": kind},
                "html_url": f"https://github.example/pr/{issue}#issuecomment-{self._next_id}",
            }
        )
        return self._next_id

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.requests if m in ("POST", "PATCH")]


def _handler(state: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

        def _send(self, status: int, data: object, headers: dict[str, str] | None = None) -> None:
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _authorized(self) -> bool:
            state.requests.append((self.command, self.path))
            state.authorizations.append(self.headers.get("Authorization", ""))
            if state.redirect_to is not None:
                self.send_response(307)
                self.send_header("Location", state.redirect_to + self.path)
                state.redirect_to = None
                self.send_header("Content-Length", "0")
                self.end_headers()
                return False
            if self.headers.get("Authorization") not in (
                f"Bearer {state.token}",
                f"token {state.token}",
            ):
                self._send(401, {"message": "Bad credentials"})
                return False
            return True

        def _forbidden(self) -> bool:
            if state.read_only:
                self._send(403, {"message": "Resource not accessible by integration"})
                return True
            return False

        def do_GET(self) -> None:
            if not self._authorized():
                return
            parts = urlsplit(self.path)
            if state.odd_path is not None and parts.path.endswith(state.odd_path):
                self._send(200, state.odd_answer)
            elif parts.path == "/user":
                self._user()
            elif match := _LIST.match(parts.path):
                query = parse_qs(parts.query)
                page = int(query.get("page", ["1"])[0])
                per_page = min(int(query.get("per_page", ["30"])[0]), state.page_size)
                items = state.comments.get(int(match.group(3)), [])
                chunk = items[(page - 1) * per_page : page * per_page]
                headers = {}
                if page * per_page < len(items):
                    host = state.next_link_host or state.url
                    link = f"{host}{parts.path}?per_page={per_page}&page={page + 1}"
                    headers["Link"] = f'<{link}>; rel="next"'
                self._send(200, chunk, headers)
            elif _ISSUES.match(parts.path):
                self._issue_page(parts.query)
            elif match := _COMMIT.match(parts.path):
                self._commit(match.group(3))
            elif match := _PERMISSION.match(parts.path):
                self._permission(unquote(match.group(3)))
            elif match := _PULL.match(parts.path):
                number = int(match.group(3))
                if number not in state.pulls:
                    self._send(404, {"message": "Not Found"})
                else:
                    self._send(200, {"number": number, "head": {"sha": state.pulls[number]}})
            else:
                self._send(404, {"message": "Not Found"})

        def _permission(self, login: str) -> None:
            if login not in state.permissions:
                self._send(404, {"message": f"{login} is not a user"})
            else:
                answer = {"permission": state.permissions[login], "user": {"login": login}}
                self._send(200, answer)

        def _user(self) -> None:
            if state.user_login is None:
                self._send(403, {"message": "Resource not accessible by integration"})
            else:
                self._send(200, {"login": state.user_login, "type": "User"})

        def _commit(self, sha: str) -> None:
            login = state.authors.get(sha)
            if login is None:
                self._send(404, {"message": "No commit found for SHA"})
            else:
                self._send(200, {"sha": sha, "author": {"login": login}})

        def _issue_page(self, query_text: str) -> None:
            query = parse_qs(query_text)
            page = int(query.get("page", ["1"])[0])
            per_page = min(int(query.get("per_page", ["30"])[0]), state.page_size)
            state_filter = query.get("state", ["open"])[0]
            labels = set(filter(None, query.get("labels", [""])[0].split(",")))
            items = [
                item
                for item in reversed(state.issues)  # newest first
                if (state_filter == "all" or item["state"] == state_filter)
                and labels <= {label["name"] for label in item["labels"]}
            ]
            chunk = items[(page - 1) * per_page : page * per_page]
            headers = {}
            if page * per_page < len(items):
                link = f"{state.url}{urlsplit(self.path).path}?{query_text}&page={page + 1}"
                headers["Link"] = f'<{link}>; rel="next"'
            self._send(200, chunk, headers)

        def _json(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length", "0"))
            data = json.loads(self.rfile.read(length))
            assert isinstance(data, dict)
            return data

        def _body(self, pattern: re.Pattern[str]) -> tuple[re.Match[str], str] | None:
            """The matched path and the new comment's body, or None once an error is sent."""
            if not self._authorized() or self._forbidden():
                return None
            match = pattern.match(urlsplit(self.path).path)
            if not match:
                self._send(404, {"message": "Not Found"})
                return None
            length = int(self.headers.get("Content-Length", "0"))
            body = str(json.loads(self.rfile.read(length))["body"])
            if len(body) > 65_536:
                self._send(422, {"message": "Validation Failed: body is too long"})
                return None
            return match, body

        def do_POST(self) -> None:
            if _ISSUES.match(urlsplit(self.path).path):
                if not self._authorized() or self._forbidden():
                    return
                data = self._json()
                number = len(state.issues) + 1
                login, kind = (state.user_login, "User") if state.user_login else (state.bot, "Bot")
                made = {
                    "number": number, "title": data["title"], "body": data["body"],
                    "state": "open", "labels": [{"name": n} for n in data.get("labels", [])],
                    "html_url": f"https://github.example/issues/{number}",
                    "user": {"login": login, "type": kind},
                }  # fmt: skip
                state.issues.append(made)
                self._send(201, made)
                return
            found = self._body(_LIST)
            if found is None:
                return
            match, body = found
            issue = int(match.group(3))
            login, kind = (state.user_login, "User") if state.user_login else (state.bot, "Bot")
            new_id = state.add_comment(issue, body, login, kind)
            self._send(201, state.comments[issue][-1] | {"id": new_id})

        def do_PATCH(self) -> None:
            if match := _ISSUE.match(urlsplit(self.path).path):
                if not self._authorized() or self._forbidden():
                    return
                data = self._json()
                number = int(match.group(3))
                if not 1 <= number <= len(state.issues):
                    self._send(404, {"message": "Not Found"})
                    return
                issue = state.issues[number - 1]
                issue.update({k: data[k] for k in ("title", "body", "state") if k in data})
                self._send(200, issue)
                return
            found = self._body(_ONE)
            if found is None:
                return
            match, body = found
            wanted = int(match.group(3))
            for items in state.comments.values():
                for item in items:
                    if item["id"] == wanted:
                        item["body"] = body
                        self._send(200, item)
                        return
            self._send(404, {"message": "Not Found"})

    return Handler


class Server:
    """``with Server(FakeGitHub()) as api:`` serves on 127.0.0.1; ``api.url`` is the base."""

    def __init__(self, state: FakeGitHub) -> None:
        self.state = state
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
        state.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeGitHub:
        self._thread.start()
        return self.state

    def __exit__(self, *_exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
