"""Kinframe's allauth adapter: where allauth asks the project how to behave."""

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    pass
