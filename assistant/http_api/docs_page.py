"""The API's docs page (``/v1/docs``), rendered on the server from the OpenAPI schema: Swagger UI and ReDoc load
their scripts from a CDN, which an offline server cannot reach."""

from __future__ import annotations

import html
import json
from typing import Any

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 960px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 1.6em; }
.op { border: 1px solid #ddd; border-radius: 6px; padding: .6em 1em; margin: .8em 0; }
.method { font-weight: bold; font-family: monospace; padding: .1em .4em; border-radius: 4px; background: #eef; }
code, pre { font-family: ui-monospace, monospace; font-size: 13px; }
pre { background: #f6f6f6; padding: .6em; overflow-x: auto; }
table { border-collapse: collapse; margin: .4em 0; } td, th { border: 1px solid #ddd; padding: .2em .5em; }
"""


def render_docs(schema: dict[str, Any]) -> str:
    """An HTML page listing every operation: method, path, summary, description, parameters and request body."""
    info = schema.get("info", {})
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{_e(info.get('title', 'API'))}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(info.get('title', 'API'))} <small>{_e(info.get('version', ''))}</small></h1>",
        f"<p>{_e(info.get('description', ''))}</p>",
        "<p>Machine-readable schema: <a href='openapi.json'>openapi.json</a>.</p>",
    ]
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            by_tag.setdefault((op.get("tags") or ["Other"])[0], []).append((method, path, op))
    for tag, ops in by_tag.items():
        parts.append(f"<h2>{_e(tag)}</h2>")
        for method, path, op in ops:
            parts.append(_operation(method, path, op, schema))
    parts.append("</body></html>")
    return "\n".join(parts)


def _operation(method: str, path: str, op: dict[str, Any], schema: dict[str, Any]) -> str:
    out = [
        "<div class='op'>",
        f"<p><span class='method'>{method.upper()}</span> <code>{_e(path)}</code> — {_e(op.get('summary', ''))}</p>",
        f"<p>{_e(op.get('description', ''))}</p>",
    ]
    params = op.get("parameters") or []
    if params:
        out.append("<table><tr><th>Parameter</th><th>In</th><th>Required</th><th>Description</th></tr>")
        for p in params:
            out.append(
                f"<tr><td><code>{_e(p.get('name'))}</code></td><td>{_e(p.get('in'))}</td>"
                f"<td>{'yes' if p.get('required') else 'no'}</td><td>{_e(p.get('description', ''))}</td></tr>"
            )
        out.append("</table>")
    content = (op.get("requestBody") or {}).get("content") or {}
    for media, body in content.items():
        resolved = _resolve(body.get("schema", {}), schema)
        fields = resolved.get("properties") or {}
        out.append(f"<p>Request body ({_e(media)}):</p><table><tr><th>Field</th><th>Description</th></tr>")
        for name, field in fields.items():
            mark = " (required)" if name in (resolved.get("required") or []) else ""
            out.append(f"<tr><td><code>{_e(name)}</code>{mark}</td><td>{_e(field.get('description', ''))}</td></tr>")
        out.append("</table>")
    out.append("</div>")
    return "\n".join(out)


def _resolve(ref: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    target = ref.get("$ref", "")
    if not target.startswith("#/"):
        return ref
    node: Any = schema
    for key in target[2:].split("/"):
        node = node.get(key, {})
    return node if isinstance(node, dict) else {}


def _e(value: Any) -> str:
    return html.escape(value if isinstance(value, str) else json.dumps(value) if value is not None else "")
