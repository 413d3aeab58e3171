"""Two-class toy features: one set that separates the classes, one that carries no label;
and the answer each must give."""
import torch


def toy_features(separating, n_train=64, n_test=40, dims=16, seed=0):
    """(train_feats, train_labels, test_feats, test_labels). Separating features hold the
    class in the sign of dimension 0 (|x0| >= 1) under unit noise elsewhere; the others
    are pure noise, independent of the labels."""
    g = torch.Generator().manual_seed(seed)

    def draw(n):
        labels = torch.arange(n) % 2
        feats = torch.randn(n, dims, generator=g)
        if separating:
            feats[:, 0] = (1 + torch.rand(n, generator=g)) * (2 * labels - 1)
        return feats, labels

    train_feats, train_labels = draw(n_train)
    test_feats, test_labels = draw(n_test)
    return train_feats, train_labels, test_feats, test_labels


def check_known_answer(accuracy, separating):
    """100% where the inputs separate the classes; near chance (2 classes) where they do not."""
    if separating:
        assert accuracy == 100.
    else:
        assert accuracy < 75.
