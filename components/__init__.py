"""Streamlit pieces shared by several pages: the session, navigation, filters."""
