"""Before serving: is every email template the bot renders there, and does it compile?

Templates are loaded when a message is answered, not at start. A templates folder missing
`email/ack.txt.j2` started fine and then failed every new case in the worker, which shunted
each message after `worker.max_attempts` tries: no case, no answer, and nothing said why
until someone read the log. `intake serve` calls `check_templates` first and refuses to
start with one line naming the file.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, TemplateNotFound, TemplateSyntaxError, meta

# Every name given to `ReplyRenderer.render` (as `email/<name>.txt.j2` and `.html.j2`):
# ack, confirm and request_info (case_ops.reply_kind -> queue_case_reply), refusal
# (pipeline, outsiders writing to a quote mailbox) and sla_reminder (sla_notices.remind).
# tests/test_operator_commands.py reads the code for render calls to keep this complete.
EMAIL_TEMPLATES = ("ack", "command", "confirm", "request_info", "refusal", "sla_reminder")
FORMS = ("txt", "html")


class TemplatesError(ValueError):
    """A template the bot needs is missing or does not compile; one line says which."""


def required_files() -> list[str]:
    """Loader names of the templates the bot renders itself (their includes come on top)."""
    return [f"email/{name}.{form}.j2" for name in EMAIL_TEMPLATES for form in FORMS]


def template_problems(templates_dir: str | Path) -> list[str]:
    """One line per problem: a missing file (a rendered template or one it includes), a
    template that does not compile; empty when the bot can render everything it sends."""
    root = Path(templates_dir)
    if not root.is_dir():
        return [f"templates folder {root.resolve()} does not exist (bot.templates)"]
    env = Environment(loader=FileSystemLoader(str(root)))
    problems: list[str] = []
    seen: set[str] = set()
    todo = [(name, None) for name in required_files()]
    while todo:
        name, included_by = todo.pop(0)
        if name in seen:
            continue
        seen.add(name)
        path = (root / name).resolve()
        try:
            source = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
        except TemplateNotFound:
            where = f" (included by {included_by})" if included_by else ""
            problems.append(f"missing template {path}{where}")
            continue
        try:
            parsed = env.parse(source, name, str(path))
        except TemplateSyntaxError as exc:
            problems.append(f"template {path} line {exc.lineno}: {exc.message}")
            continue
        todo += [(ref, name) for ref in meta.find_referenced_templates(parsed) if ref]
    return problems


def check_templates(templates_dir: str | Path) -> None:
    """Raise `TemplatesError` with every problem on one line, or return quietly."""
    problems = template_problems(templates_dir)
    if problems:
        raise TemplatesError("; ".join(problems))
