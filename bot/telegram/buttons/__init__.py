"""Inline buttons, one module per family: its callback data (encode, decode, the handler's
pattern) and the keyboards that carry it, so a button's format lives in one place.

  start_menu   act:NAME                 the /start menu actions
  more         more:l:… / more:s:…      the next page of stories, sent as a new message
  pager        page:src:OFFSET          ◀/▶ of /sources, edited in place
  subscribe    sub:…                    the /subscribe menu, suggestions and topic offers
  unsubscribe  unsub:…                  the remove buttons and pages of /subscriptions
  timezone     tz:NAME                  the /timezone suggestions
"""
