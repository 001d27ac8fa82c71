"""Relationship health: response rate, first-response times, public
resolution, sentiment after a reply versus before, advocates gained and lost,
give ratio and consistency, and the reports and charts that show them. Pure:
plain data in, plain data out; the service reads and stores them."""
