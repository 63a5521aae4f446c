"""The AI dashboard in the Django admin: per installed capability, its model versions, training runs, held-out
metrics over time, data volume and its own panel, drawn as server-side SVG charts.

``site.install(admin_site)`` adds it to an admin site (``ai_commerce.admin`` does so); ``panels`` reads the numbers
with a fixed number of queries; ``charts`` draws them; ``views`` serves the page and the live progress JSON.
"""
