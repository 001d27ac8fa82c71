"""Understanding: the signals of each message (language, sentiment, intent,
needs_response, urgency, aspects, promotional score), from one batch API,
`goodwill.understand.enrich.enrich`."""
