"""What one site contributes to the master data, whichever brand it belongs to."""

from __future__ import annotations

from dataclasses import dataclass

from microfactory.domain import Calendar, LabourPool, Resource, Site


@dataclass(frozen=True)
class SiteRecords:
    """A site with its own calendars, resources and labour pools."""

    site: Site
    calendars: tuple[Calendar, ...]
    resources: tuple[Resource, ...]
    labour_pools: tuple[LabourPool, ...]
