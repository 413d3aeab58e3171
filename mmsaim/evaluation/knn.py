"""Weighted k-nearest-neighbour classification of frozen features."""
import torch
import torch.nn.functional as F


@torch.no_grad()
def knn_classify(train_feats: torch.Tensor,
                 train_labels: torch.Tensor,
                 query_feats: torch.Tensor,
                 num_classes: int,
                 k: int = 20,
                 temperature: float = 0.07,
                 chunk_size: int = 1024) -> torch.Tensor:
    """Class scores of each query from its ``k`` most cosine-similar training features.

    The standard self-supervised check (Wu et al. 2018, as in DINO): neighbour j votes for
    its label with weight ``exp(cos(query, train_j) / temperature)``. No parameter is trained.

    Args:
        train_feats (Tensor): (N, D).
        train_labels (Tensor): (N, ) long in [0, num_classes).
        query_feats (Tensor): (Q, D).

    Returns:
        Tensor: (Q, num_classes) summed vote weights; the argmax is the prediction.
    """
    train = F.normalize(train_feats.float(), dim=1)
    k = min(k, train.shape[0])
    scores = []
    for query in F.normalize(query_feats.float(), dim=1).split(chunk_size):
        similarity, neighbours = (query @ train.T).topk(k, dim=1)
        votes = torch.zeros(query.shape[0], num_classes, device=query.device)
        votes.scatter_add_(1, train_labels.to(query.device)[neighbours],
                           (similarity / temperature).exp())
        scores.append(votes)
    return torch.cat(scores)
