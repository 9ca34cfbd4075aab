"""Console pages. Every view calls ``kinframe.console.access.staff_facility`` (or lists the
facilities of ``staff_required`` staff) before it reads anything."""
