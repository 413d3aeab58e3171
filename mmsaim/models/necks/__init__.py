from .saim_query_decoder import SAIMQueryDecoder

__all__ = ['SAIMQueryDecoder']
