"""Reports and charts: per-outlet monitor tables (:mod:`.monitor`) and evaluation plots (:mod:`.plots`).

matplotlib is imported only when a chart is drawn, with the Agg backend.
"""
from __future__ import annotations

from .monitor import MonitorReport, OutletMonth, monitor_report, write_monitor_report

__all__ = ["MonitorReport", "OutletMonth", "monitor_report", "write_monitor_report"]
