"""The admin of home-care visits: the visit pages (`visit`) and the review queue (`review`).

Importing the modules registers their model admins.
"""

from . import review, visit

__all__ = ["review", "visit"]
