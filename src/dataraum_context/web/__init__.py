"""The browser face of dataraum: `dataraum serve` (review and browse) and `dataraum report`
(one self-contained HTML file). Both render the same Jinja2 templates; every value from
the data is escaped (autoescape), charts are inline SVG built on the server, and no page
loads anything from the network."""
