"""The few GitHub REST calls perfgate makes, through urllib, against ``GITHUB_API_URL`` (so
GitHub Enterprise Server works): list an issue's comments (paginated), create one, update one,
read a pull request.

One HTTP policy for every call (docs/security.md): the token is checked before use (a token
with whitespace or control characters is refused in a line that does not hold it); a redirect
is followed only within ``GITHUB_API_URL``'s origin (scheme, host and port), any other is
refused, so the ``Authorization`` header never leaves; a ``Link: rel=next`` page is followed
on the same terms; and no error line holds the token or a URL's userinfo."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from perfgate.escaping import keep_secret, redact

API_VERSION = "2022-11-28"
ACTIONS_BOT = "github-actions[bot]"  # the author of what GITHUB_TOKEN writes
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')
_MAX_PAGES = 100  # 10,000 comments: far beyond any pull request
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
# the characters of every token GitHub issues (ghp_, ghs_, github_pat_, classic hex, JWTs)
_TOKEN = re.compile(r"^[A-Za-z0-9_.=+/-]+$")
MAX_ANSWER_BYTES = 16 * 1024 * 1024  # a page of 100 comments of 65,536 characters is 6.6 MB


class GitHubError(Exception):
    """A failed call: ``status`` is the HTTP status (0 when nothing answered)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(redact(message))
        self.status = status


@dataclass(frozen=True, kw_only=True)
class Comment:
    id: int
    body: str
    author: str
    author_type: str
    url: str


class Client:
    def __init__(self, api_url: str, token: str, repository: str, timeout: float = 30.0) -> None:
        if not _REPOSITORY.match(repository):
            raise ValueError(f"repository {repository!r} is not owner/name")
        if not api_url.startswith(("https://", "http://")):
            raise ValueError(f"GITHUB_API_URL {redact(api_url)!r} is not an http(s) URL")
        problem = token_problem(token)
        if problem is not None:
            raise ValueError(problem)
        keep_secret(token)
        self._api = api_url.rstrip("/")
        self._origin = _origin(self._api)
        self._token = token
        self._opener = urllib.request.build_opener(_SameOrigin(self._origin))
        self._repo = repository
        self._timeout = timeout

    def comments(self, number: int) -> list[Comment]:
        """Every comment of issue or pull request ``number``, following ``Link: rel=next``."""
        url: str | None = f"{self._repo_url()}/issues/{number}/comments?per_page=100"
        found: list[Comment] = []
        for _page in range(_MAX_PAGES):
            if url is None:
                break
            data, headers = self._call("GET", url)
            if not isinstance(data, list):
                raise GitHubError(0, f"GET {url}: expected a list of comments, got {_kind(data)}")
            found.extend(_comment(item) for item in data)
            url = self._next(headers.get("Link", ""))
        return found

    def create_comment(self, number: int, body: str) -> Comment:
        data, _ = self._call("POST", f"{self._repo_url()}/issues/{number}/comments", {"body": body})
        return _comment(data)

    def update_comment(self, comment_id: int, body: str) -> Comment:
        url = f"{self._repo_url()}/issues/comments/{comment_id}"
        data, _ = self._call("PATCH", url, {"body": body})
        return _comment(data)

    def issues(self, label: str) -> list[Issue]:
        """Every issue (open or closed, not pull requests) with ``label``, following
        ``Link: rel=next``."""
        url: str | None = f"{self._repo_url()}/issues?state=all&labels={quote(label)}&per_page=100"
        found: list[Issue] = []
        for _page in range(_MAX_PAGES):
            if url is None:
                break
            data, headers = self._call("GET", url)
            if not isinstance(data, list):
                raise GitHubError(0, f"GET {url}: expected a list of issues, got {_kind(data)}")
            found.extend(_issue(item) for item in data if not _is_pull(item))
            url = self._next(headers.get("Link", ""))
        return found

    def create_issue(self, title: str, body: str, labels: list[str]) -> Issue:
        payload = {"title": title, "body": body, "labels": labels}
        data, _ = self._call("POST", f"{self._repo_url()}/issues", payload)
        return _issue(data)

    def update_issue(self, number: int, title: str, body: str) -> Issue:
        url = f"{self._repo_url()}/issues/{number}"
        data, _ = self._call("PATCH", url, {"title": title, "body": body})
        return _issue(data)

    def commit_author(self, sha: str) -> str | None:
        """The GitHub login of ``sha``'s author, None when GitHub knows no account for it."""
        data, _ = self._call("GET", f"{self._repo_url()}/commits/{quote(sha)}")
        author = data.get("author") if isinstance(data, dict) else None
        login = author.get("login") if isinstance(author, dict) else None
        return login if isinstance(login, str) and _LOGIN.match(login) else None

    def permission(self, login: str) -> str:
        """``login``'s permission on the repository: admin, write, read or none (GitHub's
        legacy field, where maintain reads write and triage reads read); none for anyone who
        is not a collaborator (404) or a login that is not one."""
        if not _LOGIN.match(login.removesuffix("[bot]")):
            return "none"
        url = f"{self._repo_url()}/collaborators/{quote(login)}/permission"
        try:
            data, _ = self._call("GET", url)
        except GitHubError as exc:
            if exc.status == 404:
                return "none"
            raise
        found = data.get("permission") if isinstance(data, dict) else None
        return found if found in ("admin", "write", "read") else "none"

    def pull_head_sha(self, number: int) -> str:
        url = f"{self._repo_url()}/pulls/{number}"
        data, _ = self._call("GET", url)
        head = data.get("head") if isinstance(data, dict) else None
        sha = head.get("sha") if isinstance(head, dict) else None
        if not isinstance(sha, str) or not _SHA.match(sha):
            raise GitHubError(0, f"GET {url}: the answer has no head commit (head.sha)")
        return sha

    def me(self) -> str:
        """Who the token writes as: the login GET /user names, else the Actions bot (the
        Actions token may not ask, and what it writes is that bot's)."""
        return self.identity() or ACTIONS_BOT

    def identity(self) -> str | None:
        """The login the token acts as (GET /user), or None where the token may not ask (the
        Actions token and other installation tokens get 403)."""
        try:
            data, _ = self._call("GET", f"{self._api}/user")
        except GitHubError as exc:
            if exc.status in (401, 403, 404):
                return None
            raise
        login = data.get("login") if isinstance(data, dict) else None
        return login if isinstance(login, str) and login else None

    def _repo_url(self) -> str:
        owner, name = self._repo.split("/")
        return f"{self._api}/repos/{quote(owner)}/{quote(name)}"

    def _next(self, link: str) -> str | None:
        match = _NEXT.search(link)
        if match is None:
            return None
        url = match.group(1)
        # the token goes only where the API lives, whatever a Link header says
        if not url.startswith(self._api + "/") or _origin(url) != self._origin:
            raise GitHubError(0, f"refusing to follow a next-page link off {self._api}: {url}")
        return url

    def _call(
        self, method: str, url: str, payload: dict[str, Any] | None = None
    ) -> tuple[Any, Any]:
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked in __init__
            url,
            method=method,
            data=None if payload is None else json.dumps(payload).encode(),
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {self._token}",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": "perfgate",
                **({"Content-Type": "application/json"} if payload is not None else {}),
            },
        )
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                raw = response.read(MAX_ANSWER_BYTES + 1)
                if len(raw) > MAX_ANSWER_BYTES:
                    raise GitHubError(0, f"{method} {url}: the answer is over 16 MB")
                return json.loads(raw or b"null"), response.headers
        except _Refused as exc:
            raise GitHubError(0, f"{method} {url}: {exc}") from None
        except urllib.error.HTTPError as exc:
            raise GitHubError(exc.code, f"{method} {url}: {exc.code} {_message(exc)}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise GitHubError(0, f"{method} {url}: {exc}") from None
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            raise GitHubError(0, f"{method} {url}: the answer is not JSON") from None
        except ValueError as exc:  # Python's own limits, e.g. integers of over 4,300 digits
            raise GitHubError(0, f"{method} {url}: the answer is not usable JSON ({exc})") from None


def token_problem(token: str) -> str | None:
    """Why ``token`` cannot be a GitHub token, in words that do not hold it; None if it can."""
    if not token:
        return "the GitHub token is empty"
    if token != token.strip():
        return "the GitHub token starts or ends with whitespace or a line break (a pasted secret?)"
    if not _TOKEN.match(token):
        return "the GitHub token holds characters no GitHub token has (spaces, controls, quotes)"
    return None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    except ValueError:
        port = -1
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


class _Refused(urllib.error.URLError):
    """A redirect off the API's origin: refused before any request goes there."""

    def __str__(self) -> str:
        return str(self.reason)


class _SameOrigin(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only within the API's origin (GitHub answers 301 for a renamed
    repository, on the same host); refuse any other, so the token stays where it belongs."""

    def __init__(self, origin: tuple[str, str, int | None]) -> None:
        self._origin = origin

    def redirect_request(  # noqa: PLR0917 - urllib's signature
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        if _origin(newurl) != self._origin:
            fp.close()
            raise _Refused(
                f"refusing to follow a {code} redirect off the API's origin to {redact(newurl)}"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _message(exc: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(exc.read())["message"])
    except (ValueError, KeyError, TypeError, OSError):
        return exc.reason if isinstance(exc.reason, str) else ""


def _kind(data: object) -> str:
    return "null" if data is None else type(data).__name__


def _comment(item: Any) -> Comment:
    try:
        user = item.get("user") or {}
        return Comment(
            id=int(item["id"]),
            body=str(item.get("body") or ""),
            author=str(user.get("login", "")),
            author_type=str(user.get("type", "")),
            url=str(item.get("html_url", "")),
        )
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise GitHubError(0, f"unexpected comment in the answer: {exc}") from None


@dataclass(frozen=True)
class Issue:
    number: int
    title: str
    body: str
    state: str  # open or closed
    url: str
    author: str = ""  # the login that wrote it (user.login)


def _is_pull(item: Any) -> bool:
    return isinstance(item, dict) and "pull_request" in item


def _issue(item: Any) -> Issue:
    if not isinstance(item, dict):
        raise GitHubError(0, f"expected an issue object, got {_kind(item)}")
    number = item.get("number")
    if not isinstance(number, int) or isinstance(number, bool):
        raise GitHubError(0, "an issue without a number")
    return Issue(
        number=number,
        title=str(item.get("title") or ""),
        body=str(item.get("body") or ""),
        state=str(item.get("state") or "open"),
        url=str(item.get("html_url") or ""),
        author=_login_of(item.get("user")),
    )


def _login_of(user: Any) -> str:
    login = user.get("login") if isinstance(user, dict) else None
    return login if isinstance(login, str) else ""
