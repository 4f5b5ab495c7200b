"""Scheduled delivery: the scheduler tick fills the outbox, the sender drains it to Telegram.

- `bot.delivery.scheduler.run_tick(ctx, now)`: queue every due daily briefing;
- `bot.delivery.sender.OutboxSender(bot, sessions, ...).drain()`: send what is queued;
- `bot.delivery.jobs.register_delivery_jobs(application)`: run both from PTB's JobQueue.
"""
