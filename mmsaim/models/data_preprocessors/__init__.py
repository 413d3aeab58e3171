from .saim_data_preprocessor import SAIMDataPreprocessor

__all__ = ['SAIMDataPreprocessor']
