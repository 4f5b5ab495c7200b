"""Telegram handlers: parse the update, call one service, render one template, reply."""
