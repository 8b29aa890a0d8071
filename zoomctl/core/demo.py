"""`zoomctl demo`: a scripted setup of a company, step by step, that a new user can watch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from zoomctl.core import catalog, companies
from zoomctl.store.db import Store


@dataclass
class DemoResult:
    company: str
    steps: list[dict[str, Any]] = field(default_factory=list)


def run(store: Store, report: Callable[[str], None], slug: str = "demo-yoga") -> DemoResult:
    """Create a demo company with a provider, an online service and an online class."""
    result = DemoResult(company=slug)

    def step(text: str, **data: Any) -> None:
        result.steps.append({"step": text, **data})
        report(text)

    company = companies.create(store, "Demo Yoga Studio", "Europe/Berlin", slug)
    step(f"created company {company.slug} ({company.timezone})", company=company.slug)
    companies.set_feature(store, company, True)
    step('switched on "Online video meetings"')
    dana = catalog.add_provider(store, company, "Dana Smith", "dana@example.com")
    step(f"added provider {dana.name}", provider=dana.name)
    lesson = catalog.add_service(store, company, "Private lesson", 60, [dana.name])
    catalog.set_online(store, company, "services", lesson.name, True)
    step(f"added service '{lesson.name}' (60 min) and made it an online-meeting service", service=lesson.name)
    yoga = catalog.add_class(store, company, "Morning yoga", 45, 12)
    catalog.set_online(store, company, "classes", yoga.name, True)
    step(f"added class '{yoga.name}' (45 min, up to 12) and made it an online-meeting class", **{"class": yoga.name})
    return result
