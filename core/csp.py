"""Content-Security-Policy on every response.

The pages load scripts, styles, fonts and images from this site only and run
no inline script: behaviour lives in static/js/*.js and data reaches it through
data-* attributes or ``json_script``. An injected ``<script>`` or ``onclick=``
therefore does nothing, whatever a form field let through.
"""

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    # ECharts may draw to a canvas exported as data:/blob: images.
    "img-src": "'self' data: blob:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def header_value(policy: dict[str, str]) -> str:
    return "; ".join(f"{directive} {sources}" for directive, sources in policy.items())


class ContentSecurityPolicyMiddleware:
    """Adds the policy unless a view already set its own."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = header_value(POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.header)
        return response
