"""Chinese first: the UI speaks simplified Chinese unless the user picked English."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Like Django's LocaleMiddleware, but a browser's Accept-Language does not
    switch the pages away from Chinese: only the language switch (cookie) does.
    API clients may still ask for English with Accept-Language."""

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if not (language and translation.check_for_language(language)):
            language = None
        if language is None and request.path.startswith("/api/"):
            language = translation.get_language_from_request(request)
        language = translation.get_supported_language_variant(language or settings.LANGUAGE_CODE)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
