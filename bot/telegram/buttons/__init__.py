"""Inline buttons, one module per family: its callback data (encode, decode, the handler's
pattern) and the keyboards that carry it, so a button's format lives in one place.

  start_menu   act:NAME                 the /start menu actions
  more         more:L:… / S:… / Q:…     the next page of /latest or a search, sent as a new
                                        message; it carries the listing (a long search: the id
                                        it is saved under), so any process answers it
  pager        page:src:OFFSET          ◀/▶ of /sources, edited in place
  subscribe    sub:…                    the /subscribe menu, suggestions and topic offers
  unsubscribe  unsub:…                  the remove buttons and pages of /subscriptions
  timezone     tz:NAME                  the /timezone suggestions
  language     lang:CODE                the /language choices
  feeds        feed:…                   /feeds pages, pause/resume, poll now, remove (confirmed),
                                        and "add as a feed" under a link's reply
"""
